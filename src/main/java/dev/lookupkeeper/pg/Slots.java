package dev.lookupkeeper.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * Every question lookupkeeper asks about replication slots: one slot's state (sql/slots/state.sql),
 * the server's room for one more (sql/slots/capacity.sql), and the two actions on one (drop it, end
 * the process holding it). Nothing else in the main code reads pg_replication_slots (the benchmark's
 * CPU pinning finds a walsender's pid through it).
 */
public final class Slots {
    private static final SqlTemplates SQL = new SqlTemplates(Map.of());

    /**
     * A slot as the server reports it. LSNs as text ("0/16B3748"), null when the slot has none
     * yet; {@code activePid} null when nobody streams from it; byte counts null with their LSN.
     */
    public record State(String name, boolean active, Integer activePid, String plugin, String database, String type,
                        String confirmedFlushLsn, String restartLsn, Long lagBytes, Long retainedBytes, boolean lost,
                        Boolean failover) {}

    private Slots() {}

    /** The slot's state, or null when it does not exist. */
    public static State state(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("slots/state.sql"))) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                boolean active = rs.getBoolean(1);
                int pid = rs.getInt(2);
                return new State(slot, active, active && !rs.wasNull() ? pid : null, rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), (Long) rs.getObject(8), (Long) rs.getObject(9), "lost".equals(rs.getString(10)),
                        (Boolean) rs.getObject(11));
            }
        }
    }

    /**
     * Room for one more stream: the slots and walsenders the server allows, how many are taken, and
     * whether {@code slot} is already one of them.
     */
    public record Capacity(int maxSlots, int slots, boolean slotExists, int maxSenders, int senders) {}

    public static Capacity capacity(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("slots/capacity.sql"))) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Capacity(rs.getInt(1), rs.getInt(2), rs.getBoolean(3), rs.getInt(4), rs.getInt(5));
            }
        }
    }

    /** Whether the slot exists at all, usable or not. */
    public static boolean present(Connection c, String slot) throws SQLException {
        return state(c, slot) != null;
    }

    /** Whether the slot exists and is usable (not invalidated: wal_status 'lost', PostgreSQL 13+). */
    public static boolean exists(Connection c, String slot) throws SQLException {
        State s = state(c, slot);
        return s != null && !s.lost();
    }

    /** The server pid streaming from the slot, or null when nobody does (or it does not exist). */
    public static Integer activePid(Connection c, String slot) throws SQLException {
        State s = state(c, slot);
        return s == null ? null : s.activePid();
    }

    /** Drops the slot if it exists and nobody streams from it; true if it was dropped. */
    public static boolean dropIfInactive(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Ends the server process holding the slot, if it still does (the walsender of a connection that is gone). */
    public static boolean terminateHolder(Connection c, String slot, int pid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                + " WHERE slot_name = ? AND active_pid = ?")) {
            ps.setString(1, slot);
            ps.setInt(2, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
