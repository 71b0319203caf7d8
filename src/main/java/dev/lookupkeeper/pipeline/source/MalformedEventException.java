package dev.lookupkeeper.pipeline.source;

/** An event that cannot be read; the message names its position so it can be found again. */
public final class MalformedEventException extends RuntimeException {
    public MalformedEventException(String message) {
        super(message);
    }
}
