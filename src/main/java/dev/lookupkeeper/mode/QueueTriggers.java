package dev.lookupkeeper.mode;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Triggers the queue itself puts on its messages table to keep the lookup (Queen 0.6.9's
 * trg_update_partition_lookup, re-created at every server start). In CDC mode such a trigger
 * brings back the write-path cost lookupkeeper exists to remove, silently: status and verify report
 * it, and `run --drop-queue-trigger` drops it whenever it appears.
 */
public final class QueueTriggers {
    /** @param function schema-qualified, quoted as the catalog needs */
    public record Found(String name, String function, boolean enabled) {}

    private final Settings settings;
    private final String findSql;

    public QueueTriggers(Settings settings) {
        this.settings = settings;
        this.findSql = SqlTemplates.of(settings).get("check/queue_triggers.sql");
    }

    public List<Found> find(Connection c) throws SQLException {
        List<Found> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(findSql)) {
            ps.setString(1, settings.queueSchema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Found(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
                }
            }
        }
        return out;
    }

    /** Drops the trigger (not its function: the queue's server may still refer to it). Waits at most 2 s for the table's lock. */
    public void drop(Connection c, Found t) throws SQLException {
        String ddl;
        // the name comes from the catalog: quoted by the server itself
        try (PreparedStatement ps = c.prepareStatement("SELECT format('DROP TRIGGER IF EXISTS %I ON %I.messages', ?::text, ?::text)")) {
            ps.setString(1, t.name());
            ps.setString(2, settings.queueSchema());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                ddl = rs.getString(1);
            }
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '2s'");
            st.execute(ddl);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** Drops every trigger of the queue's that writes the lookup; returns how many. */
    public int dropAll(Connection c) throws SQLException {
        List<Found> found = find(c);
        for (Found t : found) {
            drop(c, t);
        }
        return found.size();
    }

    /**
     * Creates the queue's own trigger on the function the queue's server made (Queen 0.6.9's
     * update_partition_lookup_trigger()), for `switch --to trigger --queue-trigger`. Idempotent.
     */
    public boolean restoreQueuesTrigger(Connection c) throws SQLException {
        if (!find(c).isEmpty()) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regprocedure(?) IS NOT NULL")) {
            ps.setString(1, dev.lookupkeeper.config.Identifiers.quote(settings.queueSchema()) + ".update_partition_lookup_trigger()");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new SwitchRefusedException("the queue's function " + settings.queueSchema() + ".update_partition_lookup_trigger() does"
                            + " not exist (the queue's server creates it at start): start it once, or switch without --queue-trigger");
                }
            }
        }
        dev.lookupkeeper.pg.ShortLocks.execute(c, "creating the queue's trigger",
                SqlTemplates.of(settings).get("trigger/create_queue_trigger.sql"), 10);
        return true;
    }

    /** One line for status and logs. */
    public static String describe(List<Found> found) {
        List<String> parts = new ArrayList<>();
        for (Found f : found) {
            parts.add(f.name() + " (" + f.function() + (f.enabled() ? "" : ", disabled") + ")");
        }
        return String.join(", ", parts);
    }
}
