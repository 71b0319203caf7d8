package dev.lookupkeeper.mode;

/** A switch that must not start or go on now; the message says why and what to do. Exit 5. */
public final class SwitchRefusedException extends RuntimeException {
    public SwitchRefusedException(String message) {
        super(message);
    }
}
