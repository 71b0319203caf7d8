package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.core.Failpoints;
import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.checkpoint.Checkpointer;
import dev.lookupkeeper.pipeline.checkpoint.SettledPrefix;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * How strict consistency applies a batch: like {@link BatchApplier}, but never waiting for a row
 * another transaction holds. Under synchronous replication a committed transaction keeps its locks
 * until the sidecar confirms it; a DELETE of a queue or partition cascades into the lookup and
 * locks exactly the rows the sidecar must touch before it can confirm — waiting would be a
 * deadlock. A batch with such rows, or with partitions not visible yet (created by a transaction
 * that waits for this very confirmation), is held by the {@link Checkpointer} like any unsettled
 * batch: the checkpoint stays before it, the stream confirms it (that is what lets the waiting
 * transaction finish), and the held rows are applied again before each batch and while the stream
 * is idle, until they are applied or their transactions are visible and the partitions gone.
 */
final class LockSkippingApply {
    private final DataSource dataSource;
    private final LookupWriter writer;
    private final PhantomHealer healer;
    private final TransactionVisibility visibility;
    private final Checkpointer<HeldChanges> checkpoint;
    private final Holder holder;
    /** Set once the stream starts (see {@link BatchApplier#started}); read on the thread that applies. */
    private volatile boolean asyncCommit;
    /** How the last batch's commit stands. */
    private StreamSink.Commit lastCommit = StreamSink.Commit.DURABLE;

    /** How a batch is held (the sink's one way: in memory, with the snapshot's xmax, published). */
    interface Holder {
        void hold(ChangeBatch batch, long end, List<LatestMessage> rows, List<UUID> deleted) throws SQLException, InterruptedException;
    }

    LockSkippingApply(DataSource dataSource, LookupWriter writer, PhantomHealer healer, TransactionVisibility visibility,
                      Checkpointer<HeldChanges> checkpoint, Holder holder) {
        this.holder = holder;
        this.dataSource = dataSource;
        this.writer = writer;
        this.healer = healer;
        this.visibility = visibility;
        this.checkpoint = checkpoint;
    }

    BatchApplier.Applied apply(ChangeBatch batch) throws SQLException, InterruptedException {
        lastCommit = StreamSink.Commit.DURABLE;
        List<LatestMessage> rows = batch.newestPerPartition();
        long end = batch.endLsn();
        if (!checkpoint.holding() && !batch.hasDeletes()) {
            BatchApplier.Applied fast = plainUpsert(batch, rows, end);
            if (fast != null) {
                return fast;
            }
        }
        String last = end == 0 ? null : Lsns.format(end);
        boolean earlierHeld = checkpoint.holding();
        Outcome o = Retry.whileTransient(() -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    // the statement stores the settled position before the batch; the batch's own end
                    // only once this transaction knows nothing of it is held
                    String before = end == 0 ? null : Lsns.format(checkpoint.ifHeld());
                    // the watermark (every earlier message applied) only once nothing of it is held
                    LookupWriter.Skipping up = writer.upsertSkippingLocked(c, rows, 0, last, before, before);
                    List<PhantomHealer.Healed> healed = batch.hasDeletes()
                            ? healer.heal(c, batch.deletedMessages(), batch.sweepAllRequested()) : List.of();
                    List<UUID> stillDeleted = healer.stillPointing(c, batch.deletedMessages());
                    List<LatestMessage> held = HeldChanges.rowsOf(rows, union(up.deferred(), up.unseen()));
                    boolean settled = held.isEmpty() && stillDeleted.isEmpty();
                    if (settled && end != 0) {
                        checkpoint.storeIn(c, checkpoint.ifApplied(end));
                    }
                    if (settled && !earlierHeld) {
                        checkpoint.storeWatermarkIn(c, batch.watermark());
                    }
                    c.commit();
                    return new Outcome(new BatchApplier.Applied(rows, up.changed(), healed), held, stillDeleted);
                } catch (SQLException | RuntimeException e) {
                    LookupWriter.safeRollback(c);
                    throw e;
                }
            }
        });
        if (batch.events() > 0) {
            Failpoints.hit("batch-upserted"); // not for a heartbeat's watermark alone
        }
        if (earlierHeld || !o.held().isEmpty() || !o.stillDeleted().isEmpty()) {
            checkpoint.deferWatermark(batch.watermark());
        }
        settleOrHold(batch, end, o.held(), o.stillDeleted());
        return o.applied();
    }

    /** Whether the plain upsert's commit waits for its WAL flush from now on. */
    void commitAsynchronously(boolean async) {
        this.asyncCommit = async;
    }

    /** After {@link #apply}: how the batch's commit stands (asynchronous only on the plain upsert's path). */
    StreamSink.Commit lastCommit() {
        return lastCommit;
    }

    private record Outcome(BatchApplier.Applied applied, List<LatestMessage> held, List<UUID> stillDeleted) {}

    /**
     * The common case — nothing held, no deletes — as eventual mode does it: the plain upsert, one
     * autocommit statement (one round trip on the commit's path), under a short lock_timeout; with
     * asynchronous commits, one that commits without waiting for its WAL flush (see
     * {@link #lastCommit}). A row
     * held by a transaction waiting for the sidecar makes it time out: then null, and the caller
     * takes the lock-skipping path.
     */
    private BatchApplier.Applied plainUpsert(ChangeBatch batch, List<LatestMessage> rows, long end)
            throws SQLException, InterruptedException {
        String last = end == 0 ? null : Lsns.format(end);
        String ifApplied = end == 0 ? null : Lsns.format(checkpoint.ifApplied(end));
        String ifHeld = end == 0 ? null : Lsns.format(checkpoint.ifHeld());
        LookupWriter.Upserted u;
        try {
            u = Retry.whileTransient(() -> {
                try (Connection c = dataSource.getConnection()) {
                    c.setAutoCommit(true);
                    if (!asyncCommit) {
                        return writer.upsert(c, rows, batch.watermark(), last, ifApplied, ifHeld);
                    }
                    LookupWriter.AsyncUpserted a = writer.upsertCommittingAsync(c, rows, batch.watermark(), last, ifApplied, ifHeld);
                    lastCommit = new StreamSink.Commit(true, a.walPosition());
                    return a.upserted();
                }
            });
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                return null; // a row lock not let go within the sink's lock_timeout: skip it instead
            }
            throw e;
        }
        if (batch.events() > 0) {
            Failpoints.hit("batch-upserted"); // not for a heartbeat's watermark alone
        }
        List<LatestMessage> unseen = HeldChanges.rowsOf(rows, u.unseen());
        if (!unseen.isEmpty()) {
            checkpoint.deferWatermark(batch.watermark());
        }
        settleOrHold(batch, end, unseen, List.of());
        return new BatchApplier.Applied(rows, u.changed(), List.of());
    }

    private void settleOrHold(ChangeBatch batch, long end, List<LatestMessage> rows, List<UUID> deleted)
            throws SQLException, InterruptedException {
        if (rows.isEmpty() && deleted.isEmpty()) {
            checkpoint.applied(end);
        } else {
            holder.hold(batch, end, rows, deleted);
        }
    }

    /**
     * Applies the held batches again, oldest first, without waiting for any lock. A batch is settled
     * once nothing of it is locked or still pointed at, and every partition it names is applied or
     * provably gone (its transactions visible, the partition absent).
     *
     * @return rows the retries changed
     */
    int retryHeld() throws SQLException, InterruptedException {
        int changed = 0;
        for (SettledPrefix.Held<HeldChanges> h : checkpoint.held()) {
            HeldChanges p = h.pending();
            changed += Retry.whileTransient(() -> {
                try (Connection c = dataSource.getConnection()) {
                    c.setAutoCommit(false);
                    try {
                        boolean allVisible = visibility.view(c, List.<int[]>of(p.xids())).shows(p.xids(), p.horizon());
                        LookupWriter.Skipping up = writer.upsertSkippingLocked(c, p.rows(), 0, null, null, null);
                        if (!p.deleted().isEmpty()) {
                            healer.heal(c, p.deleted(), false);
                        }
                        List<UUID> stillDeleted = healer.stillPointing(c, p.deleted());
                        List<UUID> waiting = allVisible ? up.deferred() : union(up.deferred(), up.unseen());
                        HeldChanges still = p.withRows(HeldChanges.rowsOf(p.rows(), waiting), stillDeleted);
                        c.commit();
                        c.setAutoCommit(true);
                        if (still.isEmpty()) {
                            checkpoint.settle(c, h);
                        } else {
                            checkpoint.stillPending(h, still);
                        }
                        return up.changed();
                    } catch (SQLException | RuntimeException e) {
                        LookupWriter.safeRollback(c);
                        throw e;
                    }
                }
            });
        }
        checkpoint.warnIfHeldLong(System.currentTimeMillis());
        return changed;
    }

    private static List<UUID> union(List<UUID> a, List<UUID> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<UUID> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
