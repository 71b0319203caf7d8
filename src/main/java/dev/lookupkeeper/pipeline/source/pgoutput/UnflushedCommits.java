package dev.lookupkeeper.pipeline.source.pgoutput;

import java.util.ArrayDeque;

/**
 * Strict consistency's asynchronous lookup commits not known to be durable yet, oldest first: each
 * batch's end, a WAL position past its commit once a later statement has read one, and when it was
 * reported visible. A batch is durable once the server sends a position at or past its bound — the
 * walsender decodes only flushed WAL, so what it sends is flushed — or once the WAL has been flushed
 * on purpose. Owned by the reader thread.
 */
final class UnflushedCommits {
    /** The greatest unsigned position: nothing the server sends reaches it. */
    private static final long UNBOUNDED = -1L;

    private static final class Entry {
        final long end;
        final long visibleSinceNanos;
        long bound = UNBOUNDED;

        Entry(long end, long visibleSinceNanos) {
            this.end = end;
            this.visibleSinceNanos = visibleSinceNanos;
        }
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return entries.size();
    }

    /**
     * A statement read the server's WAL insert position before its own commit: past every commit
     * that returned before it began, so it bounds every batch still waiting for one.
     */
    void bound(long walPosition) {
        for (Entry e : entries) {
            if (e.bound == UNBOUNDED) {
                e.bound = walPosition;
            }
        }
    }

    /** A batch reported visible whose commit is not known to be durable (nor, then, any after it). */
    void add(long end, long nowNanos) {
        entries.add(new Entry(end, nowNanos));
    }

    /** The end of the newest batch waiting, or {@code otherwise} when none is. */
    long newestEnd(long otherwise) {
        return entries.isEmpty() ? otherwise : entries.peekLast().end;
    }

    /** How long the oldest batch waiting has been visible only (0: none waits). */
    long oldestAgeNanos(long nowNanos) {
        return entries.isEmpty() ? 0 : nowNanos - entries.peekFirst().visibleSinceNanos;
    }

    /**
     * Takes the batches the server has proved durable by sending {@code serverPosition}, oldest
     * first; returns the end of the last one taken, or 0 when none was.
     */
    long takeProved(long serverPosition) {
        long end = 0;
        while (!entries.isEmpty() && entries.peekFirst().bound != UNBOUNDED
                && Long.compareUnsigned(entries.peekFirst().bound, serverPosition) <= 0) {
            end = entries.pollFirst().end;
        }
        return end;
    }

    /** The WAL has been flushed past every batch waiting: takes them all; returns the newest end, or 0. */
    long takeAll() {
        long end = newestEnd(0);
        entries.clear();
        return end;
    }
}
