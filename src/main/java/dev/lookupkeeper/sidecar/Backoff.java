package dev.lookupkeeper.sidecar;

/** Capped exponential pauses between attempts: first, 2×first, … up to cap; reset after a success. */
final class Backoff {
    private final long firstMs;
    private final long capMs;
    private long nextMs;

    Backoff(long firstMs, long capMs) {
        this.firstMs = firstMs;
        this.capMs = capMs;
        this.nextMs = firstMs;
    }

    /** The pause before the next attempt; doubles the one after it, up to the cap. */
    long next() {
        long pause = nextMs;
        nextMs = Math.min(capMs, nextMs * 2);
        return pause;
    }

    void reset() {
        nextMs = firstMs;
    }
}
