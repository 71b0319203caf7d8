package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.Failpoints;
import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.pg.PositionNotes;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.checkpoint.Checkpointer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The sink's writer: one transaction per batch holds the monotonic upsert, the phantom repairs and
 * the checkpoint the {@link Checkpointer} chose (a batch without deletes is the upsert statement
 * alone, in autocommit: the same atomicity, one round trip). A batch whose partitions the upsert
 * could not all see is held by the checkpointer — the stored checkpoint stays before it — and its
 * unseen rows are applied again before each later batch and while the stream is idle, until every
 * transaction of the batch is visible: then what is still unseen was deleted, and the batch is
 * settled. No give-up timeout: a transaction held 40 s by a synchronous standby that is away is
 * applied when it becomes visible, or streamed again after a crash. Transient failures are retried
 * a bounded number of times; every statement is idempotent, so a retry is always safe.
 *
 * <p>Failpoints (crash tests): {@code batch-upserted} after the transaction of a batch with lookup
 * changes committed, before the checkpointer hears of it; {@code batch-held} once a batch is held.
 */
public final class BatchApplier {

    /** What one batch changed, for stats and the in-memory selection. */
    public record Applied(List<LatestMessage> upserted, int rowsChanged, List<PhantomHealer.Healed> healed) {}

    /** Sources that keep their own offsets (no checkpoint here): how long a held batch waits between tries. */
    private static final long OFFSET_SOURCE_MAX_PAUSE_MS = 50;
    private final HeldRetry retry;

    private final DataSource dataSource;
    private final LookupWriter writer;
    private final PhantomHealer healer;
    private final TransactionVisibility visibility;
    private final Checkpointer<HeldChanges> checkpoint;
    private final String notePositionSql;
    private final String noteSequence;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchApplier.class);
    /** The note sequence failed to read (PostgreSQL 15 after a promotion): positions are stored instead. */
    private volatile boolean noteUnreadable;
    private final LockSkippingApply lockSkipping;
    private final String flushWalSql;
    private final String stream;
    private final dev.lookupkeeper.config.ConsistencySettings.SinkCommit sinkCommit;

    public BatchApplier(DataSource dataSource, Settings settings, SqlTemplates templates, String stream) {
        this(dataSource, settings, templates, stream, false, new PipelineStats());
    }

    /**
     * @param skipLocked strict consistency: never wait for a row another transaction holds (see
     *                   {@link LockSkippingApply})
     * @param stats where the held transactions are published (the gauges)
     */
    public BatchApplier(DataSource dataSource, Settings settings, SqlTemplates templates, String stream, boolean skipLocked,
                        PipelineStats stats) {
        Identifiers.validate("stream", stream);
        this.dataSource = dataSource;
        this.writer = new LookupWriter(templates, stream);
        this.healer = new PhantomHealer(templates);
        this.visibility = new TransactionVisibility(templates);
        this.checkpoint = new Checkpointer<>(settings, stream, 0, stats);
        this.notePositionSql = SqlTemplates.of(settings).get("sink/note_position.sql");
        this.noteSequence = PositionNotes.sequence(settings, stream);
        this.retry = new HeldRetry(dataSource, writer, visibility, checkpoint);
        this.lockSkipping = skipLocked
                ? new LockSkippingApply(dataSource, writer, new PhantomHealer(templates, true), visibility, checkpoint, this::hold) : null;
        this.sinkCommit = settings.consistency().sinkCommit();
        this.flushWalSql = SqlTemplates.of(settings).get("sink/flush_wal.sql");
        this.stream = stream;
    }

    /**
     * The stream starts at its stored checkpoint: settled by definition. What an earlier process
     * held is streamed again, so its held state is cleared from the stream's row.
     */
    public void started(long startLsn) throws SQLException {
        checkpoint.startAt(startLsn);
        try {
            withConnection(c -> {
                checkpoint.publish(c);
                if (lockSkipping != null) {
                    boolean async = commitsAsynchronously(c);
                    lockSkipping.commitAsynchronously(async);
                    if (async) {
                        // the checkpoint the stream starts from may be an asynchronous commit of an earlier process,
                        // and the start position is reported durable at once: make it so first
                        flushCommits(c);
                    }
                    LOG.info("strict: the sidecar's own lookup commits {} (--strict-sink-commit {})", async
                            ? "do not wait for their WAL flush: applied when they return, flushed once the WAL is" : "wait for their WAL flush",
                            sinkCommit.name().toLowerCase(java.util.Locale.ROOT));
                }
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while clearing the stream's held state", "57014", e);
        }
    }

    private boolean commitsAsynchronously(Connection c) throws SQLException {
        if (sinkCommit != dev.lookupkeeper.config.ConsistencySettings.SinkCommit.AUTO) {
            return sinkCommit == dev.lookupkeeper.config.ConsistencySettings.SinkCommit.ASYNC;
        }
        try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery("SHOW fsync")) {
            return rs.next() && "on".equals(rs.getString(1));
        }
    }

    /** The checkpoint as stored: settled and durable (what eventual consistency confirms). */
    public long storedCheckpoint() {
        return checkpoint.stored();
    }

    /** Whether transactions are held back (their partitions not visible yet, or, strict, their rows locked). */
    public boolean holding() {
        return checkpoint.holding();
    }

    public Applied apply(ChangeBatch batch) throws SQLException, InterruptedException {
        if (checkpoint.holding() && (batch.hasDeletes() || retry.due())) {
            // before a batch's deletes, always: a held row applied after a delete of its message
            // would point at a message that is gone
            retryHeld();
        }
        Applied applied = lockSkipping != null ? lockSkipping.apply(batch) : applyWaiting(batch);
        if (batch.endLsn() == 0) {
            settleBeforeReturning(); // Debezium and Kafka mark their offsets once this returns
        }
        return applied;
    }

    /**
     * After {@link #apply}, on the same thread: how the batch's commit stands — asynchronous for
     * strict consistency's common batch with {@code --strict-sink-commit async} (visible, durable once
     * the WAL is flushed past it), with the WAL position its statement read before committing.
     */
    public StreamSink.Commit lastCommit() {
        return lockSkipping != null ? lockSkipping.lastCommit() : StreamSink.Commit.DURABLE;
    }

    /**
     * Makes every asynchronous commit that returned before this call durable (sql/sink/flush_wal.sql:
     * a transaction of its own that writes WAL and commits at synchronous_commit = local).
     */
    public void flushCommits() throws SQLException, InterruptedException {
        withConnection(this::flushCommits);
    }

    private Void flushCommits(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(flushWalSql)) {
            ps.setString(1, stream);
            ps.executeUpdate();
        }
        return null;
    }

    private Applied applyWaiting(ChangeBatch batch) throws SQLException, InterruptedException {
        List<LatestMessage> rows = batch.newestPerPartition();
        long end = batch.endLsn();
        String last = end == 0 ? null : Lsns.format(end);
        String ifApplied = end == 0 ? null : Lsns.format(checkpoint.ifApplied(end));
        String ifHeld = end == 0 ? null : Lsns.format(checkpoint.ifHeld());
        // the watermark promises every earlier message applied: not while an earlier batch is held
        boolean earlierHeld = checkpoint.holding();
        long watermark = earlierHeld ? 0 : batch.watermark();
        Attempt done = Retry.whileTransient(() -> {
            try (Connection c = dataSource.getConnection()) {
                if (!batch.hasDeletes()) {
                    // one statement is one transaction: upsert and checkpoint commit together in a
                    // single round trip (no BEGIN/COMMIT of its own)
                    c.setAutoCommit(true);
                    return new Attempt(writer.upsert(c, rows, watermark, last, ifApplied, ifHeld), List.of());
                }
                c.setAutoCommit(false);
                try {
                    LookupWriter.Upserted u = writer.upsert(c, rows, watermark, last, ifApplied, ifHeld);
                    List<PhantomHealer.Healed> healed = healer.heal(c, batch.deletedMessages(), batch.sweepAllRequested());
                    c.commit();
                    return new Attempt(u, healed);
                } catch (SQLException | RuntimeException e) {
                    LookupWriter.safeRollback(c);
                    throw e;
                }
            }
        });
        if (batch.events() > 0) {
            Failpoints.hit("batch-upserted"); // not for a heartbeat's watermark alone
        }
        List<LatestMessage> unseen = HeldChanges.rowsOf(rows, done.upserted().unseen());
        if (earlierHeld || !unseen.isEmpty()) {
            checkpoint.deferWatermark(batch.watermark()); // stored once nothing before it is held
        }
        if (unseen.isEmpty()) {
            checkpoint.applied(end);
        } else {
            hold(batch, end, unseen, List.of());
        }
        return new Applied(rows, done.upserted().changed(), done.healed());
    }

    private record Attempt(LookupWriter.Upserted upserted, List<PhantomHealer.Healed> healed) {}

    /**
     * Applies the held batches again, oldest first; a batch whose rows are now all applied, or
     * that is provably visible (what is still unseen was deleted), is settled.
     *
     * @return rows the retries changed
     */
    public int retryHeld() throws SQLException, InterruptedException {
        if (lockSkipping != null) {
            retry.tried();
            return lockSkipping.retryHeld();
        }
        return retry.retry();
    }

    /** Holds a batch: in memory, with the snapshot's xmax now, then published in the stream's row. */
    void hold(ChangeBatch batch, long end, List<LatestMessage> rows, List<UUID> deleted) throws SQLException, InterruptedException {
        long horizon = withConnection(c -> visibility.view(c, List.of()).xmax());
        checkpoint.hold(end, batch.transactions(), new HeldChanges(rows, batch.xids(), horizon, deleted));
        withConnection(c -> {
            checkpoint.publish(c);
            return null;
        });
        Failpoints.hit("batch-held");
    }

    /** {@link #retryHeld} when held batches exist and their retry interval is up (the idle reader calls this often). */
    public int retryHeldIfDue() throws SQLException, InterruptedException {
        return retry.due() ? retryHeld() : 0;
    }

    /** Sources that keep their own offsets: wait, however long, until every held batch is settled. */
    private void settleBeforeReturning() throws SQLException, InterruptedException {
        long pause = 1;
        while (checkpoint.holding()) {
            Thread.sleep(pause);
            pause = Math.min(pause * 2, OFFSET_SOURCE_MAX_PAUSE_MS);
            retryHeld();
        }
    }

    /** Stores a position passed with nothing to apply, as far as it is settled; returns the stored checkpoint. */
    public long storePosition(long lsn) throws SQLException, InterruptedException {
        checkpoint.pass(lsn);
        if (checkpoint.storeDue()) {
            withConnection(checkpoint::storeSettled);
        }
        return checkpoint.stored();
    }

    /** A position passed with nothing to apply, neither stored nor noted yet (eventual: stored at the next interval). */
    public void passPosition(long lsn) {
        checkpoint.pass(lsn);
    }

    /**
     * Notes a position to be confirmed without a stored checkpoint (strict consistency): no WAL, no
     * transaction for the stream to see. Never past a held transaction: the note tells a restart
     * that the slot's confirmed position is still ours.
     *
     * @return whether it was noted
     */
    public boolean notePosition(long lsn) throws SQLException, InterruptedException {
        checkpoint.pass(lsn);
        if (checkpoint.holding()) {
            return false;
        }
        String text = Lsns.format(lsn);
        if (!noteUnreadable) {
            try {
                Retry.whileTransient(() -> {
                    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(notePositionSql)) {
                        c.setAutoCommit(true);
                        ps.setString(1, text);
                        ps.setString(2, noteSequence);
                        ps.execute();
                        return null;
                    }
                });
                return true;
            } catch (SQLException e) {
                if (!PositionNotes.isUnreadable(e)) {
                    throw e;
                }
                noteUnreadable = true;
                LOG.error("sequence {} cannot be read or set (an unlogged sequence on a promoted standby, PostgreSQL 15): positions are"
                        + " stored as checkpoints instead of noted until `lookupkeeper install` as its owner re-creates it", noteSequence);
            }
        }
        // no note to write: the position goes into the stored checkpoint (a transaction the stream sees, which is all it costs)
        withConnection(checkpoint::storeSettled);
        return true;
    }

    private interface OnConnection<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T withConnection(OnConnection<T> work) throws SQLException, InterruptedException {
        return Retry.whileTransient(() -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                return work.run(c);
            }
        });
    }
}
