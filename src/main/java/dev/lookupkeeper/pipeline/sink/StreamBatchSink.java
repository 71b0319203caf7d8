package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;

/**
 * The native stream's sink: applies a batch with {@link BatchApplier} (lookup, repairs and
 * checkpoint in one transaction; the checkpoint as its owner chose it), then hands what it
 * committed to a follower (the in-memory selection) and records the stats. A batch with nothing
 * for the lookup writes nothing.
 */
public final class StreamBatchSink implements StreamSink {
    /** Sees each batch after its transaction committed, in stream order. */
    public interface Follower {
        void applied(ChangeBatch batch, BatchApplier.Applied applied);

        Follower NONE = (b, a) -> {};
    }

    private final BatchApplier applier;
    private final PipelineStats stats;
    private final Follower follower;
    /** {@link #lastCommit} of the last {@link #apply} (that thread's, as the contract says). */
    private Commit lastCommit = Commit.DURABLE;

    public StreamBatchSink(BatchApplier applier, PipelineStats stats, Follower follower) {
        this.applier = applier;
        this.stats = stats;
        this.follower = follower;
    }

    @Override
    public void started(long startLsn) throws java.sql.SQLException {
        applier.started(startLsn);
    }

    @Override
    public boolean apply(ChangeBatch batch) throws Exception {
        int events = (int) Math.min(Integer.MAX_VALUE, batch.events());
        int ignored = (int) Math.min(Integer.MAX_VALUE, batch.ignoredEvents());
        lastCommit = Commit.DURABLE;
        if (batch.nothingForLookup()) {
            follower.applied(batch, null);
            stats.recordBatch(events, 0, ignored);
            return false;
        }
        long start = System.nanoTime();
        BatchApplier.Applied applied = applier.apply(batch);
        lastCommit = applier.lastCommit();
        long nanos = System.nanoTime() - start;
        follower.applied(batch, applied);
        long[] lags = batch.lagsMs(System.currentTimeMillis());
        stats.recordWritten(events, applied.rowsChanged() + applied.healed().size(), ignored, nanos, lags);
        return true;
    }

    @Override
    public Commit lastCommit() {
        return lastCommit;
    }

    @Override
    public void flushCommits() throws Exception {
        applier.flushCommits();
    }

    @Override
    public long storedCheckpoint() {
        return applier.storedCheckpoint();
    }

    @Override
    public void passPosition(long lsn) {
        applier.passPosition(lsn);
    }

    @Override
    public long storePosition(long lsn) throws Exception {
        return applier.storePosition(lsn);
    }

    @Override
    public void notePosition(long lsn) throws Exception {
        applier.notePosition(lsn);
    }

    @Override
    public boolean holding() {
        return applier.holding();
    }

    @Override
    public void retryHeld() throws Exception {
        int changed = applier.retryHeldIfDue();
        if (changed > 0) {
            stats.recordWritten(0, changed, 0, 0, new long[0]);
        }
    }
}
