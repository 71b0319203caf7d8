package dev.lookupkeeper.operations.bootstrap;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pipeline.checkpoint.Checkpointer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slot first, then backfill. The slot's consistent point is reached before the backfill reads, so
 * every message is either visible to the backfill or decoded from the slot (or both, harmlessly).
 * The backfill records its cursor in the stream's row, so an interrupted bootstrap resumes where it
 * stopped.
 */
public final class Bootstrapper {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrapper.class);

    private final Settings settings;
    private final StreamTarget target;
    private final String schema;

    public Bootstrapper(Settings settings) {
        this(settings, StreamTarget.main(settings));
    }

    public Bootstrapper(Settings settings, StreamTarget target) {
        this.settings = settings;
        this.target = target;
        this.schema = Identifiers.quote(settings.schema());
    }

    /** What the bootstrap found and did. */
    public record Result(boolean slotCreated, boolean backfilled, long partitions, long rowsChanged) {}

    /**
     * @param c an autocommit connection (a slot cannot be created in a transaction that wrote)
     * @param progress told the number of partitions done after each chunk
     */
    public Result ensure(Connection c, ProgressSink progress) throws SQLException {
        boolean created = false;
        if (!slotExists(c)) {
            createSlot(c, settings, target);
            created = true;
        }
        StreamRow row = readStream(c);
        if ("done".equals(row.status) && target.slot().equals(row.slot)) {
            return new Result(created, false, 0, 0);
        }
        if (!"backfilling".equals(row.status) || !target.slot().equals(row.slot)) {
            updateStream(c, "backfilling");
            row = readStream(c);
        }
        long total = count(c, "SELECT count(*) FROM " + Identifiers.quote(settings.queueSchema()) + ".partitions", null);
        long before = row.cursor == null ? 0
                : count(c, "SELECT count(*) FROM " + Identifiers.quote(settings.queueSchema()) + ".partitions WHERE id <= ?", row.cursor);
        if (row.cursor != null) {
            LOG.info("backfill resumes after partition {} ({} of {} partitions done)", row.cursor, before, total);
        } else {
            LOG.info("backfill: newest message of {} partitions, {} per transaction", total, settings.backfillChunk());
        }
        progress.start(total, before);
        Backfill.Counts counts = new Backfill(settings, target.lookupTable()).run(c, row.cursor,
                (tx, last, chunk) -> {
                    try (PreparedStatement ps = tx.prepareStatement("UPDATE " + schema + ".streams SET backfill_after = ?,"
                            + " backfill_rows = backfill_rows + ?, updated_at = now() WHERE stream = ?")) {
                        ps.setObject(1, last);
                        ps.setLong(2, chunk.partitions());
                        ps.setString(3, target.name());
                        ps.executeUpdate();
                    }
                },
                done -> progress.step(before + done));
        updateStream(c, "done");
        progress.finish();
        LOG.info("backfill done: {} partitions, {} lookup rows inserted, {} advanced", before + counts.partitions(), counts.inserted(), counts.advanced());
        return new Result(created, true, before + counts.partitions(), counts.inserted() + counts.advanced());
    }

    /**
     * Creates the stream's slot. A stored offset for a slot that no longer exists makes the engine
     * refuse to start, so offsets and bootstrap progress are cleared together with the creation.
     */
    public static void createSlot(Connection c, Settings settings, StreamTarget target) throws SQLException {
        String schema = Identifiers.quote(settings.schema());
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".source_offsets WHERE stream = ?")) {
            ps.setString(1, target.name());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".streams (stream, slot_name) VALUES (?, ?)"
                + " ON CONFLICT (stream) DO UPDATE SET slot_name = EXCLUDED.slot_name, bootstrap_status = 'pending',"
                + " backfill_after = NULL, backfill_rows = 0, updated_at = now()")) {
            ps.setString(1, target.name());
            ps.setString(2, target.slot());
            ps.executeUpdate();
        }
        // the old slot's checkpoint means nothing for the new one
        Checkpointer.forget(c, settings, target.name());
        LOG.info("creating replication slot {} (waits for transactions in progress to finish)", target.slot());
        boolean failover = settings.failoverSlot() && target.isMain();
        if (failover && c.getMetaData().getDatabaseMajorVersion() < 17) {
            throw new DatabaseNotReadyException("--failover-slot needs PostgreSQL 17 or later (this server is "
                    + c.getMetaData().getDatabaseProductVersion() + "): leave it off; a failover then bootstraps again");
        }
        // 17+: temporary = false, two-phase = false, failover as asked
        try (PreparedStatement ps = c.prepareStatement(failover ? "SELECT lsn FROM pg_create_logical_replication_slot(?, 'pgoutput', false, false, true)"
                : "SELECT lsn FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, target.slot());
            String lsn;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                lsn = rs.getString(1);
                LOG.info("slot {} created at {}{}", target.slot(), lsn, failover ? " (failover: a standby that synchronizes slots keeps it)" : "");
            }
            // the stream starts at the slot's consistent point: everything before it is the backfill's
            Checkpointer.restartAt(c, settings, target.name(), lsn);
        } catch (SQLException e) {
            if ("53400".equals(e.getSQLState())) {
                throw new DatabaseNotReadyException("all replication slots are in use: raise max_replication_slots or drop an unused slot");
            }
            throw e;
        }
    }

    /** Marks the stream's bootstrap done without a backfill (the table is known to be complete). */
    public static void markDone(Connection c, Settings settings, StreamTarget target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Identifiers.quote(settings.schema()) + ".streams"
                + " SET bootstrap_status = 'done', slot_name = ?, updated_at = now() WHERE stream = ?")) {
            ps.setString(1, target.slot());
            ps.setString(2, target.name());
            ps.executeUpdate();
        }
    }

    /** Reports bootstrap progress (a progress bar on a terminal, log lines otherwise). */
    public interface ProgressSink {
        void start(long total, long done);

        void step(long done);

        void finish();

        static ProgressSink none() {
            return new ProgressSink() {
                public void start(long total, long done) {}

                public void step(long done) {}

                public void finish() {}
            };
        }
    }

    private boolean slotExists(Connection c) throws SQLException {
        Slots.State s = Slots.state(c, target.slot());
        if (s == null) {
            return false;
        }
        if (!"logical".equals(s.type()) || !"pgoutput".equals(s.plugin()) || !c.getCatalog().equals(s.database())) {
            throw new DatabaseNotReadyException("replication slot " + target.slot() + " already exists for "
                    + (s.database() == null ? "physical replication" : "database " + s.database() + " with plugin " + s.plugin())
                    + ": choose another --slot, or drop that slot if it is a leftover");
        }
        return true;
    }

    private record StreamRow(String status, UUID cursor, String slot) {}

    private StreamRow readStream(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT bootstrap_status, backfill_after, slot_name FROM " + schema + ".streams WHERE stream = ?")) {
            ps.setString(1, target.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new StreamRow("pending", null, null);
                }
                return new StreamRow(rs.getString(1), (UUID) rs.getObject(2), rs.getString(3));
            }
        }
    }

    private void updateStream(Connection c, String status) throws SQLException {
        boolean reset = !"done".equals(status);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".streams (stream, slot_name, bootstrap_status) VALUES (?, ?, ?)"
                + " ON CONFLICT (stream) DO UPDATE SET bootstrap_status = EXCLUDED.bootstrap_status, slot_name = EXCLUDED.slot_name,"
                + " backfill_after = CASE WHEN ? THEN NULL ELSE " + schema + ".streams.backfill_after END,"
                + " backfill_rows = CASE WHEN ? THEN 0 ELSE " + schema + ".streams.backfill_rows END, updated_at = now()")) {
            ps.setString(1, target.name());
            ps.setString(2, target.slot());
            ps.setString(3, status);
            ps.setBoolean(4, reset);
            ps.setBoolean(5, reset);
            ps.executeUpdate();
        }
    }

    private static long count(Connection c, String sql, UUID param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (param != null) {
                ps.setObject(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
