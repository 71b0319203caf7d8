package dev.lookupkeeper.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Replication slot queries every part of lookupkeeper asks. */
public final class Slots {
    private Slots() {}

    /** Whether the slot exists and is usable (not invalidated: wal_status 'lost', PostgreSQL 13+). */
    public static boolean exists(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_jsonb(s) ->> 'wal_status' FROM pg_replication_slots s WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && !"lost".equals(rs.getString(1));
            }
        }
    }

    /** The server pid streaming from the slot, or null when nobody does (or it does not exist). */
    public static Integer activePid(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ? AND active")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
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
