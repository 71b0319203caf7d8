package dev.lookupkeeper.pipeline.batch;

import dev.lookupkeeper.core.LatestMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Whole transactions of the stream, reduced to what the sinks apply: the newest inserted message
 * per partition, the ids of deleted messages (bounded: past {@link #MAX_DELETED_IDS}, or after a
 * TRUNCATE, the batch asks for a sweep of every row instead), the highest watermark, the selection
 * tables' changes in stream order, and the commit end LSN of its last transaction — the
 * checkpoint. Its heap grows with partitions touched, never with the rows of a transaction.
 */
public final class ChangeBatch {
    public static final int MAX_DELETED_IDS = 100_000;
    private static final int MAX_LAG_SAMPLES = 4096;

    private final NewestByPartition newest = new NewestByPartition();
    private final List<UUID> deleted = new ArrayList<>();
    private final List<Consumer<SelectionChanges>> selectionChanges = new ArrayList<>();
    private static final int MAX_LAG_EVENTS = 100_000;

    private long[] commitTimesMs = new long[64];
    private int[] eventsPerCommit = new int[64];
    private int commitSamples;
    private long eventsAtLastCommit;
    private boolean sweepAll;
    private long watermark;
    private long events;
    private long ignored;
    private int transactions;
    private long endLsn;
    private int[] xids = new int[8];
    private int xidCount;

    public void inserted(long partitionHi, long partitionLo, long createdAtMicros, long messageHi, long messageLo) {
        events++;
        newest.offer(partitionHi, partitionLo, createdAtMicros, messageHi, messageLo);
    }

    public void deleted(UUID message) {
        events++;
        if (sweepAll) {
            return;
        }
        if (deleted.size() >= MAX_DELETED_IDS) {
            sweepAll();
            return;
        }
        deleted.add(message);
    }

    /** Every row is checked for a deleted message (a TRUNCATE, or more deletes than the bound). */
    public void sweepAll() {
        sweepAll = true;
        deleted.clear();
    }

    /** A transaction of the batch (its 32-bit id, as pgoutput's BEGIN carries it). */
    public void transaction(int xid) {
        if (xidCount == xids.length) {
            xids = Arrays.copyOf(xids, xidCount * 2);
        }
        xids[xidCount++] = xid;
    }

    /** The ids of the batch's transactions (none from sources that do not say). */
    public int[] xids() {
        return Arrays.copyOf(xids, xidCount);
    }

    public void watermark(long id) {
        watermark = Math.max(watermark, id);
    }

    public void selectionChange(Consumer<SelectionChanges> change) {
        selectionChanges.add(change);
    }

    public void ignored() {
        ignored++;
    }

    public void committed(long endLsn, long commitTimeMs) {
        transactions++;
        if (Long.compareUnsigned(endLsn, this.endLsn) > 0) {
            this.endLsn = endLsn; // LSNs are unsigned
        }
        int inTx = (int) Math.min(Integer.MAX_VALUE, events - eventsAtLastCommit);
        eventsAtLastCommit = events;
        if (inTx > 0 && commitSamples < MAX_LAG_SAMPLES) {
            if (commitSamples == commitTimesMs.length) {
                commitTimesMs = Arrays.copyOf(commitTimesMs, commitSamples * 2);
                eventsPerCommit = Arrays.copyOf(eventsPerCommit, commitSamples * 2);
            }
            eventsPerCommit[commitSamples] = inTx;
            commitTimesMs[commitSamples++] = commitTimeMs;
        }
    }

    /**
     * Commit-to-now lag of the batch's events, one value per event (so the lag histogram weighs a
     * large transaction by its rows), or one per transaction past 100,000 events.
     */
    public long[] lagsMs(long nowMs) {
        long total = 0;
        for (int i = 0; i < commitSamples; i++) {
            total += eventsPerCommit[i];
        }
        boolean perEvent = total <= MAX_LAG_EVENTS;
        long[] out = new long[perEvent ? (int) total : commitSamples];
        int n = 0;
        for (int i = 0; i < commitSamples; i++) {
            long lag = Math.max(0, nowMs - commitTimesMs[i]);
            int times = perEvent ? eventsPerCommit[i] : 1;
            for (int k = 0; k < times; k++) {
                out[n++] = lag;
            }
        }
        return out;
    }

    /** The newest message per partition, in PostgreSQL's uuid order (one lock order for every writer). */
    public List<LatestMessage> newestPerPartition() {
        return newest.sorted();
    }

    public List<UUID> deletedMessages() {
        return deleted;
    }

    public boolean sweepAllRequested() {
        return sweepAll;
    }

    public boolean hasDeletes() {
        return sweepAll || !deleted.isEmpty();
    }

    public long watermark() {
        return watermark;
    }

    public List<Consumer<SelectionChanges>> selectionChanges() {
        return selectionChanges;
    }

    public long events() {
        return events;
    }

    public long ignoredEvents() {
        return ignored;
    }

    public int transactions() {
        return transactions;
    }

    /** The end of the last transaction's commit record: where the stream resumes after this batch. */
    public long endLsn() {
        return endLsn;
    }

    public boolean isEmpty() {
        return transactions == 0;
    }

    /** Nothing for the lookup or the watermark: at most changes of the selection's tables. */
    public boolean nothingForLookup() {
        return newest.size() == 0 && !hasDeletes() && watermark == 0;
    }
}
