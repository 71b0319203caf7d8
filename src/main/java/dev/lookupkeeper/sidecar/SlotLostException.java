package dev.lookupkeeper.sidecar;

/** The slot vanished or was invalidated under a running stream (exit 6). */
public final class SlotLostException extends RuntimeException {
    public SlotLostException(String message) {
        super(message);
    }
}
