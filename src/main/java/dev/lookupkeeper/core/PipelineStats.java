package dev.lookupkeeper.core;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters of the pipeline, and the end-to-end lag (commit of a message to commit of its lookup
 * row) as a histogram. One owner writes (the sink thread); readers take interval snapshots.
 */
public final class PipelineStats {
    private final LongAdder events = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder rowsChanged = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private final LongAdder writeNanos = new LongAdder();
    private final AtomicLong lastBatchAtMs = new AtomicLong();
    private final LongAdder rebootstraps = new LongAdder();
    private final Recorder lagMs = new Recorder(3_600_000L, 3);
    private final Histogram total = new Histogram(3_600_000L, 3);
    private volatile BatchListener listener;
    private final AtomicLong heldTransactions = new AtomicLong();
    private final AtomicLong heldSinceMs = new AtomicLong();

    /** Told after each written batch: its write time and the lag of each of its events. */
    @FunctionalInterface
    public interface BatchListener {
        void written(long writeNanos, long[] lagsMs);
    }

    public void onBatch(BatchListener l) {
        this.listener = l;
    }

    /** One written batch: counts, write time and per-event lag, in one call from the sink. */
    public void recordWritten(int eventCount, int changed, int ignoredCount, long nanos, long[] lagsMs) {
        recordBatch(eventCount, changed, ignoredCount);
        writeNanos.add(nanos);
        for (long l : lagsMs) {
            recordLag(l);
        }
        BatchListener l = listener;
        if (l != null) {
            l.written(nanos, lagsMs);
        }
    }

    public void recordBatch(int eventCount, int changed, int ignoredCount) {
        events.add(eventCount);
        batches.increment();
        rowsChanged.add(changed);
        ignored.add(ignoredCount);
        lastBatchAtMs.set(System.currentTimeMillis());
    }

    public long writeNanos() {
        return writeNanos.sum();
    }

    public void recordLag(long millis) {
        lagMs.recordValue(Math.max(0, Math.min(millis, 3_600_000L)));
    }

    /** A slot lost, re-created or moved by someone else: the lookup was bootstrapped again from the table. */
    /** Transactions the checkpoint owner holds as unsettled, and since when the oldest waits (0: none). */
    public void recordHeld(int transactions, long sinceMs) {
        heldTransactions.set(transactions);
        heldSinceMs.set(sinceMs);
    }

    public long heldTransactions() {
        return heldTransactions.get();
    }

    /** Seconds the oldest held transaction has waited, 0 when none is held. */
    public double heldSeconds() {
        long since = heldSinceMs.get();
        return since == 0 ? 0 : Math.max(0, System.currentTimeMillis() - since) / 1000.0;
    }

    public void recordRebootstrap() {
        rebootstraps.increment();
    }

    public long rebootstraps() {
        return rebootstraps.sum();
    }

    public long events() {
        return events.sum();
    }

    public long batches() {
        return batches.sum();
    }

    public long rowsChanged() {
        return rowsChanged.sum();
    }

    public long ignored() {
        return ignored.sum();
    }

    public long lastBatchAtMs() {
        return lastBatchAtMs.get();
    }

    /** Lag recorded since the previous call; also folded into the run's total. */
    public synchronized Histogram lagInterval() {
        Histogram h = lagMs.getIntervalHistogram();
        total.add(h);
        return h;
    }

    /** Lag over the whole run, including the interval not yet taken. */
    public synchronized Histogram lagTotal() {
        total.add(lagMs.getIntervalHistogram());
        return total.copy();
    }
}
