package dev.lookupkeeper.operations.replay;

/**
 * The replay window does not reach back to the requested position (or there is none). The message
 * names the earliest position there is and points to `rebuild`. Exit code 7.
 */
public final class ReplayNotPossibleException extends RuntimeException {
    public ReplayNotPossibleException(String message) {
        super(message);
    }
}
