package dev.lookupkeeper.sidecar;

/** The stream failed while running (exit 4). */
public final class StreamFailedException extends RuntimeException {
    public StreamFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
