package dev.lookupkeeper.source.pgoutput;

import dev.lookupkeeper.stream.StreamSink;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * What the reader may confirm to the server, and when. A position is confirmed (flush = apply,
 * reported at once) only after it is safe: its transaction committed in the lookup, or it carried
 * nothing for the lookup and is stored (eventual: rate-limited, since the store is itself a
 * transaction the stream sees) or noted without a transaction (strict: at once, since a commit may
 * be waiting for it). Owned by the reader thread.
 */
final class PositionKeeper {
    /** How often a position passed with nothing to apply is stored (eventual), or the checkpoint refreshed (strict). */
    static final long POSITION_STORE_MS = 5_000;
    /** Strict: how often changes held back by another transaction's row locks are tried again while idle. */
    private static final long RETRY_HELD_NANOS = 20_000_000;

    private final StreamSink sink;
    private final boolean confirmAtOnce;
    private long applied;
    private long reported;
    private long pending;
    private long stored;
    private long lastStoreMs;
    private long lastRetryNanos;

    PositionKeeper(StreamSink sink, boolean confirmAtOnce, long startLsn) {
        this.sink = sink;
        this.confirmAtOnce = confirmAtOnce;
        this.applied = startLsn;
        this.reported = startLsn;
    }

    /** The first idle position is stored no sooner than one interval after the start. */
    void started() {
        lastStoreMs = System.currentTimeMillis();
    }

    /** A batch's transaction committed; stored: its end is in the checkpoint. */
    void batchDone(long end, boolean wasStored) throws Exception {
        if (wasStored) {
            applied = max(applied, end);
        } else if (confirmAtOnce) {
            note(end);
        } else {
            pending = max(pending, end);
        }
    }

    /** Confirms what is safe; with nothing in flight, first stores a pending position when its interval is up (eventual). */
    void report(PGReplicationStream stream, boolean nothingInFlight) throws Exception {
        if (Long.compareUnsigned(pending, applied) > 0 && nothingInFlight && intervalUp()) {
            store(pending);
        }
        if (Long.compareUnsigned(applied, reported) > 0) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(applied);
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
            stream.forceUpdateStatus();
            reported = applied;
        }
    }

    /**
     * Idle, between transactions, nothing in flight: everything the server sent has been applied,
     * so the WAL end of its last keepalive may be confirmed — strict: noted and confirmed at once (a
     * commit may be waiting), the checkpoint refreshed now and then (the note does not survive a
     * crash of the server); eventual: stored, then confirmed, at most once an interval.
     */
    void idle(PGReplicationStream stream) throws Exception {
        long serverEnd = max(stream.getLastReceiveLSN().asLong(), pending);
        if (!confirmAtOnce) {
            if (Long.compareUnsigned(serverEnd, applied) > 0 && intervalUp()) {
                store(serverEnd);
            }
            report(stream, true);
            return;
        }
        if (sink.holding() && System.nanoTime() - lastRetryNanos > RETRY_HELD_NANOS) {
            lastRetryNanos = System.nanoTime();
            sink.retryHeld();
        }
        note(serverEnd);
        report(stream, true);
        if (Long.compareUnsigned(applied, stored) > 0 && !sink.holding() && intervalUp()) {
            store(applied); // its own commit is then only noted: no loop
        }
    }

    private void note(long lsn) throws Exception {
        if (Long.compareUnsigned(lsn, applied) > 0) {
            sink.notePosition(lsn);
            applied = lsn;
        }
    }

    private void store(long lsn) throws Exception {
        sink.storePosition(lsn);
        lastStoreMs = System.currentTimeMillis();
        applied = max(applied, lsn);
        stored = max(stored, lsn);
    }

    private boolean intervalUp() {
        return System.currentTimeMillis() - lastStoreMs >= POSITION_STORE_MS;
    }

    private static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }
}
