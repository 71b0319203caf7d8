package dev.lookupkeeper.sink;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.replay.Lsns;
import dev.lookupkeeper.stream.ChangeBatch;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The native stream's sink: one transaction per batch holds the monotonic upsert, the phantom
 * repairs and the stream's checkpoint (the commit end LSN of the batch's last transaction). A
 * batch without deletes is the upsert statement alone (its CTE moves the checkpoint), sent in
 * autocommit: the same atomicity, one round trip. Only
 * after it commits may the position be confirmed to the server. Transient failures are retried a
 * bounded number of times; the whole transaction is idempotent, so a retry is always safe.
 */
public final class BatchApplier {

    /** What one batch changed, for stats and the in-memory selection. */
    public record Applied(List<LatestMessage> upserted, int rowsChanged, List<PhantomHealer.Healed> healed) {}

    private final DataSource dataSource;
    private final LookupWriter writer;
    private final PhantomHealer healer;
    private final String storeCheckpointSql;
    private final String stream;

    private final String notePositionSql;
    private final String noteSequence;
    private final LockSkippingApply lockSkipping;
    private final UnseenPartitions unseen;

    public BatchApplier(DataSource dataSource, Settings settings, SqlTemplates templates, String stream) {
        this(dataSource, settings, templates, stream, false);
    }

    /**
     * @param skipLocked strict consistency: never wait for a row another transaction holds (see
     *                   {@link LockSkippingApply})
     */
    public BatchApplier(DataSource dataSource, Settings settings, SqlTemplates templates, String stream, boolean skipLocked) {
        this.dataSource = dataSource;
        this.writer = new LookupWriter(dataSource, templates, stream);
        this.healer = new PhantomHealer(templates);
        this.storeCheckpointSql = SqlTemplates.of(settings).get("sink/store_checkpoint.sql");
        this.notePositionSql = SqlTemplates.of(settings).get("sink/note_position.sql");
        this.noteSequence = PositionNotes.sequence(settings, stream);
        this.stream = stream;
        this.unseen = new UnseenPartitions(dataSource, writer, templates);
        Identifiers.validate("stream", stream);
        this.lockSkipping = skipLocked ? new LockSkippingApply(dataSource, writer, new PhantomHealer(templates, true), stream,
                Identifiers.quote(settings.schema()) + ".streams") : null;
    }

    /** Strict: whether changes wait for rows another transaction holds (see {@link #retryHeld}). */
    public boolean holding() {
        return lockSkipping != null && lockSkipping.holding();
    }

    /** Strict: applies the held changes again, on their own. */
    public Applied retryHeld() throws SQLException, InterruptedException {
        return lockSkipping.retry();
    }

    public Applied apply(ChangeBatch batch) throws SQLException, InterruptedException {
        if (lockSkipping != null) {
            return lockSkipping.apply(batch);
        }
        List<LatestMessage> rows = batch.newestPerPartition();
        String checkpoint = Lsns.format(batch.endLsn());
        Attempt done = Retry.whileTransient(() -> {
            try (Connection c = dataSource.getConnection()) {
                if (!batch.hasDeletes()) {
                    // one statement is one transaction: upsert and checkpoint commit together in a
                    // single round trip (no BEGIN/COMMIT of its own)
                    c.setAutoCommit(true);
                    return new Attempt(writer.upsert(c, rows, batch.watermark(), checkpoint, checkpoint), List.of());
                }
                c.setAutoCommit(false);
                try {
                    LookupWriter.Upserted u = writer.upsert(c, rows, batch.watermark(), checkpoint, checkpoint);
                    List<PhantomHealer.Healed> healed = healer.heal(c, batch.deletedMessages(), batch.sweepAllRequested());
                    c.commit();
                    return new Attempt(u, healed);
                } catch (SQLException | RuntimeException e) {
                    LookupWriter.safeRollback(c);
                    throw e;
                }
            }
        });
        int changed = done.upserted().changed();
        if (!done.upserted().unseen().isEmpty()) {
            // before the position is confirmed: a crash meanwhile streams the batch again
            changed += unseen.apply(rows, done.upserted().unseen(), batch.xids());
        }
        return new Applied(rows, changed, done.healed());
    }

    private record Attempt(LookupWriter.Upserted upserted, List<PhantomHealer.Healed> healed) {}

    /** Stores a position passed with nothing to apply; it may be confirmed to the server once this returns. */
    public void storePosition(long lsn) throws SQLException, InterruptedException {
        if (holding()) {
            return; // held changes lie before this position
        }
        positionStatement(storeCheckpointSql, lsn, stream);
    }

    /**
     * Notes a position to be confirmed without a stored checkpoint (strict consistency): no WAL, no
     * transaction for the stream to see. It may be confirmed to the server once this returns.
     */
    public void notePosition(long lsn) throws SQLException, InterruptedException {
        if (holding()) {
            return; // held changes lie before this position: a crash must not be taken for a clean continuation
        }
        positionStatement(notePositionSql, lsn, noteSequence);
    }

    private void positionStatement(String sql, long lsn, String second) throws SQLException, InterruptedException {
        String text = Lsns.format(lsn);
        Retry.whileTransient(() -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                c.setAutoCommit(true);
                ps.setString(1, text);
                ps.setString(2, second);
                ps.execute();
                return null;
            }
        });
    }
}
