package dev.lookupkeeper.bootstrap;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slot first, then backfill. The slot's consistent point is reached before the backfill reads, so
 * every message is either visible to the backfill or decoded from the slot (or both, harmlessly).
 * The backfill walks partitions in id order, a chunk per short transaction, and records its
 * cursor, so an interrupted bootstrap resumes where it stopped.
 */
public final class Bootstrapper {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrapper.class);
    private static final UUID ZERO = new UUID(0, 0);

    private final Settings settings;
    private final SqlTemplates sql;
    private final String schema;

    public Bootstrapper(Settings settings) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
        this.schema = Identifiers.quote(settings.schema());
    }

    /** What the bootstrap found and did. */
    public record Result(boolean slotCreated, boolean backfilled, long partitions, long rowsChanged) {}

    /**
     * @param c an autocommit connection (a slot cannot be created in a transaction that wrote)
     * @param progress told the number of partitions done after each chunk
     */
    public Result ensure(Connection c, ProgressSink progress) throws SQLException {
        String slotState = slotState(c);
        boolean created = false;
        if (slotState == null) {
            // A stored offset for a slot that no longer exists makes the engine refuse to start:
            // offsets and backfill progress are cleared together with the slot's creation.
            try (Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM " + schema + ".source_offsets");
            }
            updateState(c, "pending", null);
            LOG.info("creating replication slot {} (waits for transactions in progress to finish)", settings.slot());
            try (PreparedStatement ps = c.prepareStatement("SELECT lsn FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, settings.slot());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    LOG.info("slot {} created at {}", settings.slot(), rs.getString(1));
                }
            } catch (SQLException e) {
                if ("53400".equals(e.getSQLState())) {
                    throw new DatabaseNotReadyException("all replication slots are in use: raise max_replication_slots or drop an unused slot");
                }
                throw e;
            }
            created = true;
            updateState(c, "backfilling", null);
        }
        String[] state = readState(c);
        if ("done".equals(state[0]) && settings.slot().equals(state[2])) {
            return new Result(created, false, 0, 0);
        }
        if (!"backfilling".equals(state[0]) || !settings.slot().equals(state[2])) {
            updateState(c, "backfilling", null);
            state = readState(c);
        }
        UUID cursor = state[1] == null ? ZERO : UUID.fromString(state[1]);
        long total = countPartitions(c);
        long done = countPartitionsUpTo(c, cursor);
        if (state[1] != null) {
            LOG.info("backfill resumes after partition {} ({} of {} partitions done)", cursor, done, total);
        } else {
            LOG.info("backfill: newest message of {} partitions, {} per transaction", total, settings.backfillChunk());
        }
        progress.start(total, done);
        long changed = 0;
        String chunkSql = sql.get("bootstrap/backfill_chunk.sql");
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            while (true) {
                UUID last;
                int partitions;
                try (PreparedStatement ps = c.prepareStatement(chunkSql)) {
                    ps.setObject(1, cursor);
                    ps.setInt(2, settings.backfillChunk());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        last = (UUID) rs.getObject(1);
                        partitions = rs.getInt(2);
                        changed += rs.getLong(3);
                    }
                }
                if (partitions == 0) {
                    c.commit();
                    break;
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + schema + ".state SET backfill_after = ?, backfill_rows = backfill_rows + ?, updated_at = now()")) {
                    ps.setObject(1, last);
                    ps.setInt(2, partitions);
                    ps.executeUpdate();
                }
                c.commit();
                cursor = last;
                done += partitions;
                progress.step(done);
            }
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
        updateState(c, "done", cursor);
        progress.finish();
        LOG.info("backfill done: {} partitions, {} lookup rows inserted or advanced", done, changed);
        return new Result(created, true, done, changed);
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

        static ProgressSink of(LongConsumer onStep) {
            return new ProgressSink() {
                public void start(long total, long done) {}

                public void step(long done) {
                    onStep.accept(done);
                }

                public void finish() {}
            };
        }
    }

    /** @return null when the slot is missing; otherwise its plugin, after checking it is ours to use */
    private String slotState(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT plugin, database, slot_type FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, settings.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String plugin = rs.getString(1);
                String db = rs.getString(2);
                if (!"logical".equals(rs.getString(3)) || !"pgoutput".equals(plugin) || !c.getCatalog().equals(db)) {
                    throw new DatabaseNotReadyException("replication slot " + settings.slot() + " already exists for "
                            + (db == null ? "physical replication" : "database " + db + " with plugin " + plugin)
                            + ": choose another --slot, or drop that slot if it is a leftover");
                }
                return plugin;
            }
        }
    }

    private String[] readState(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT bootstrap_status, backfill_after, bootstrap_slot FROM " + schema + ".state")) {
            if (!rs.next()) {
                throw new DatabaseNotReadyException("lookupkeeper's state row is missing: run `lookupkeeper install`");
            }
            return new String[] {rs.getString(1), rs.getString(2), rs.getString(3)};
        }
    }

    private void updateState(Connection c, String status, UUID cursor) throws SQLException {
        boolean reset = !"done".equals(status);
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schema + ".state SET bootstrap_status = ?, bootstrap_slot = ?,"
                + " backfill_after = ?, backfill_rows = CASE WHEN ? THEN 0 ELSE backfill_rows END, updated_at = now()")) {
            ps.setString(1, status);
            ps.setString(2, settings.slot());
            ps.setObject(3, reset ? null : cursor);
            ps.setBoolean(4, reset);
            ps.executeUpdate();
        }
    }

    private long countPartitions(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + Identifiers.quote(settings.queueSchema()) + ".partitions")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long countPartitionsUpTo(Connection c, UUID cursor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + Identifiers.quote(settings.queueSchema()) + ".partitions WHERE id <= ?")) {
            ps.setObject(1, cursor);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
