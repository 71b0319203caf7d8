package dev.lookupkeeper.sink;

import dev.lookupkeeper.replay.Lsns;
import dev.lookupkeeper.stream.ChangeBatch;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How strict consistency applies a batch: like {@link BatchApplier}, but never waiting for a row
 * another transaction holds. Under synchronous replication a committed transaction keeps its locks
 * until the sidecar confirms it; a DELETE of a queue or partition cascades into the lookup and
 * locks exactly the rows the sidecar must touch before it can confirm — waiting would be a
 * deadlock. Changes to such rows are held ({@link DeferredChanges}) and applied with the next batch
 * or on an idle retry; meanwhile the checkpoint stays at the last batch applied in full.
 */
final class LockSkippingApply {
    private static final Logger LOG = LoggerFactory.getLogger(LockSkippingApply.class);

    private final DataSource dataSource;
    private final LookupWriter writer;
    private final PhantomHealer healer;
    private final String stream;
    private final String schemaStreams;
    private final DeferredChanges held = new DeferredChanges();
    private String storedCheckpoint;
    private long lastEnd;
    private boolean announced;

    LockSkippingApply(DataSource dataSource, LookupWriter writer, PhantomHealer healer, String stream, String schemaStreams) {
        this.dataSource = dataSource;
        this.writer = writer;
        this.healer = healer;
        this.stream = stream;
        this.schemaStreams = schemaStreams;
    }

    boolean holding() {
        return !held.isEmpty();
    }

    BatchApplier.Applied apply(ChangeBatch batch) throws SQLException, InterruptedException {
        if (Long.compareUnsigned(batch.endLsn(), lastEnd) > 0) {
            lastEnd = batch.endLsn();
        }
        return run(held.withRows(batch.newestPerPartition()), held.withDeleted(batch.deletedMessages()),
                held.withSweep(batch.sweepAllRequested()), batch.watermark(), Lsns.format(batch.endLsn()));
    }

    /** Tries the held changes again on their own (the stream is idle). */
    BatchApplier.Applied retry() throws SQLException, InterruptedException {
        return run(held.withRows(List.of()), held.withDeleted(List.of()), held.withSweep(false), 0, null);
    }

    private BatchApplier.Applied run(List<LatestMessage> rows, List<UUID> deleted, boolean sweep, long watermark, String lastLsn)
            throws SQLException, InterruptedException {
        String target = lastEnd == 0 ? null : Lsns.format(lastEnd);
        if (held.isEmpty() && deleted.isEmpty() && !sweep && storedCheckpoint != null) {
            BatchApplier.Applied fast = plainUpsert(rows, watermark, lastLsn, target);
            if (fast != null) {
                return fast;
            }
        }
        return Retry.whileTransient(() -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    if (storedCheckpoint == null) {
                        storedCheckpoint = readCheckpoint(c);
                    }
                    LookupWriter.Skipping up = writer.upsertSkippingLocked(c, rows, watermark, lastLsn, target);
                    List<PhantomHealer.Healed> healed = deleted.isEmpty() && !sweep ? List.of() : healer.heal(c, deleted, sweep);
                    List<UUID> stillDeleted = healer.stillPointing(c, deleted);
                    // a partition created by a transaction waiting for this very confirmation is invisible until then:
                    // held like a locked row, applied once confirmed; one unseen for long was deleted
                    List<UUID> unseen = held.unseenStillWorthWaitingFor(up.unseen(), System.currentTimeMillis());
                    boolean holding = !up.deferred().isEmpty() || !stillDeleted.isEmpty() || !unseen.isEmpty();
                    if (holding) {
                        keepCheckpoint(c);
                    }
                    c.commit();
                    if (holding) {
                        held.holdRows(rows, up.deferred());
                        held.holdRows(rows, unseen);
                        held.holdDeleted(stillDeleted);
                        if (!announced) {
                            announced = true;
                            LOG.info("strict: {} lookup change(s) wait for rows another transaction holds (a queue or partition being"
                                    + " deleted); applied as soon as it lets go, the checkpoint stays at {} until then",
                                    held.size(), storedCheckpoint);
                        }
                    } else {
                        storedCheckpoint = target != null ? target : storedCheckpoint;
                        announced = false;
                    }
                    return new BatchApplier.Applied(rows, up.changed(), healed);
                } catch (SQLException | RuntimeException e) {
                    LookupWriter.safeRollback(c);
                    throw e;
                }
            }
        });
    }

    /**
     * The common case — nothing held, no deletes — as eventual mode does it: the plain upsert, one
     * autocommit statement (one round trip on the commit's path), under a short lock_timeout. A row
     * held by a transaction waiting for the sidecar makes it time out: then null, and the caller
     * takes the lock-skipping path.
     */
    private BatchApplier.Applied plainUpsert(List<LatestMessage> rows, long watermark, String lastLsn, String target)
            throws SQLException, InterruptedException {
        try {
            return Retry.whileTransient(() -> {
                try (Connection c = dataSource.getConnection()) {
                    c.setAutoCommit(true);
                    LookupWriter.Upserted u = writer.upsert(c, rows, watermark, lastLsn, target);
                    List<UUID> unseen = held.unseenStillWorthWaitingFor(u.unseen(), System.currentTimeMillis());
                    if (unseen.isEmpty()) {
                        storedCheckpoint = target;
                    } else {
                        // held for the next try; the checkpoint goes back to where everything was applied
                        held.holdRows(rows, unseen);
                        keepCheckpoint(c);
                    }
                    return new BatchApplier.Applied(rows, u.changed(), List.of());
                }
            });
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                return null; // a row lock not let go within the sink's lock_timeout: skip it instead
            }
            throw e;
        }
    }

    private String readCheckpoint(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT checkpoint_lsn::text FROM " + schemaStreams + " WHERE stream = ?")) {
            ps.setString(1, stream);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Undoes this transaction's checkpoint move: held changes must be streamed again after a crash. */
    private void keepCheckpoint(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schemaStreams + " SET checkpoint_lsn = ?::pg_lsn WHERE stream = ?")) {
            ps.setString(1, storedCheckpoint);
            ps.setString(2, stream);
            ps.executeUpdate();
        }
    }
}
