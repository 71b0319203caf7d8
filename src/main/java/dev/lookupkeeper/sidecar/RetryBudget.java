package dev.lookupkeeper.sidecar;

import java.util.ArrayDeque;

/** At most N attempts within a sliding window: the bound on reconnects and re-bootstraps. */
final class RetryBudget {
    private final int max;
    private final long windowMs;
    private final ArrayDeque<Long> attempts = new ArrayDeque<>();

    RetryBudget(int max, long windowMs) {
        this.max = max;
        this.windowMs = windowMs;
    }

    /** Takes one attempt if the window has room; false when the budget is spent. */
    boolean tryAcquire(long nowMs) {
        while (!attempts.isEmpty() && nowMs - attempts.peekFirst() > windowMs) {
            attempts.removeFirst();
        }
        if (attempts.size() >= max) {
            return false;
        }
        attempts.addLast(nowMs);
        return true;
    }
}
