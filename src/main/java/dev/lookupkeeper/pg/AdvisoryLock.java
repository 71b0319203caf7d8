package dev.lookupkeeper.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A session-level advisory lock named by text (hashed by the server): one switch, one replay at a
 * time per lookupkeeper schema. Re-entrant within a session; released when the session ends, so a
 * killed holder never leaves it behind.
 */
public record AdvisoryLock(String name) {
    /** @return whether this session holds the lock now */
    public boolean tryLock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Releases one hold; never fails the caller (the session's end releases it anyway). */
    public void unlock(Connection c) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
            ps.setString(1, name);
            ps.execute();
        } catch (SQLException e) {
            // the connection is gone, and with it the lock
        }
    }
}
