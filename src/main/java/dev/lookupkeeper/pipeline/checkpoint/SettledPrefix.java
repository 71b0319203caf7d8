package dev.lookupkeeper.pipeline.checkpoint;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;

/**
 * The stream's positions in commit order, and which of the transactions behind them are not
 * settled yet. A transaction is settled once its effect is in the lookup (committed), or every
 * partition it names is provably gone. A batch the sink could not settle in full is held here as
 * one unit, from the position before it to its end; later batches keep applying and pass their
 * positions, but the settled position — the only one that may be stored as the checkpoint or
 * confirmed to the server — stays at the start of the oldest held unit until that unit settles,
 * however long it takes. So a crash restarts before every unsettled transaction, and PostgreSQL
 * sends it again.
 *
 * <p>Positions are unsigned 64-bit LSNs. Thread-safe: the writer holds and settles, the reader
 * asks what it may confirm.
 *
 * @param <T> what a held unit still has to apply (the sink's business)
 */
public final class SettledPrefix<T> {

    /** A batch's transactions that are not settled yet: from the position before them to their end. */
    public static final class Held<T> {
        private final long from;
        private final long to;
        private final long sinceMs;
        private final int transactions;
        private T pending;

        private Held(long from, long to, long sinceMs, int transactions, T pending) {
            this.from = from;
            this.to = to;
            this.sinceMs = sinceMs;
            this.transactions = transactions;
            this.pending = pending;
        }

        /** How many of the stream's transactions the unit holds. */
        public int transactions() {
            return transactions;
        }

        /** Where the stream must restart to receive these transactions again. */
        public long from() {
            return from;
        }

        /** The end of the unit's last transaction. */
        public long to() {
            return to;
        }

        /** When the unit was first held (wall clock, ms). */
        public long sinceMs() {
            return sinceMs;
        }

        public synchronized T pending() {
            return pending;
        }

        synchronized void pending(T p) {
            pending = p;
        }
    }

    private final LinkedList<Held<T>> held = new LinkedList<>();
    private long passed;

    /** @param start where the stream starts: the stored checkpoint, settled by definition */
    public SettledPrefix(long start) {
        this.passed = start;
    }

    /**
     * The end of the longest settled prefix: the furthest position passed when nothing is held,
     * else the start of the oldest held unit.
     */
    public synchronized long settled() {
        return held.isEmpty() ? passed : held.getFirst().from;
    }

    /** What {@link #settled()} becomes if a batch ending at {@code end} settles in full. */
    public synchronized long settledIfApplied(long end) {
        return held.isEmpty() ? max(passed, end) : held.getFirst().from;
    }

    /** The furthest position the stream has passed, settled or not. */
    public synchronized long passed() {
        return passed;
    }

    /** A batch settled in full, or a position passed with nothing to apply (an empty transaction, a keepalive's WAL end). */
    public synchronized void pass(long lsn) {
        passed = max(passed, lsn);
    }

    /**
     * A batch ending at {@code end} that is not settled in full: held from the position the stream
     * had passed before it.
     */
    public synchronized Held<T> hold(long end, int transactions, T pending, long nowMs) {
        Held<T> h = new Held<>(passed, max(passed, end), nowMs, Math.max(1, transactions), pending);
        held.addLast(h);
        passed = h.to;
        return h;
    }

    /** What a held unit still has to apply, after a retry that settled part of it. */
    public void stillPending(Held<T> h, T pending) {
        h.pending(pending);
    }

    /** The unit is settled now; returns whether the settled position moved. */
    public synchronized boolean settle(Held<T> h) {
        long before = settled();
        Iterator<Held<T>> it = held.iterator();
        while (it.hasNext()) {
            if (it.next() == h) {
                it.remove();
                break;
            }
        }
        return settled() != before;
    }

    /** The held units, oldest first (a copy). */
    public synchronized List<Held<T>> held() {
        return new ArrayList<>(held);
    }

    public synchronized boolean holding() {
        return !held.isEmpty();
    }

    /** How many units are held. */
    public synchronized int heldCount() {
        return held.size();
    }

    /** How many of the stream's transactions the held units hold. */
    public synchronized int heldTransactions() {
        int n = 0;
        for (Held<T> h : held) {
            n += h.transactions;
        }
        return n;
    }

    /** Since when the oldest held unit waits (ms), or 0 when nothing is held. */
    public synchronized long oldestSinceMs() {
        return held.isEmpty() ? 0 : held.getFirst().sinceMs;
    }

    private static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }
}
