package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This process's row in lookupkeeper.instances: role, stream, sign of life — each process writes
 * only its own row, so `status` lists every instance without two processes overwriting one row.
 * Each beat also measures the database's clock against this process's (the round trip's midpoint),
 * for whatever must judge the database's timestamps (leases) by the database's time.
 */
final class InstanceRegistry {
    static final long BEAT_MS = 1000;
    private static final long FORGET_AFTER_S = 3600;

    private final String table;
    private final String id;
    private final String host;
    private volatile long clockOffsetMs;
    private long lastBeatMs;
    private long lastPruneMs;

    InstanceRegistry(Settings settings) {
        this.table = Identifiers.quote(settings.schema()) + ".instances";
        this.host = hostName();
        this.id = host + "/" + ProcessHandle.current().pid() + "/" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    String id() {
        return id;
    }

    /** The database's clock minus this process's, in milliseconds, as of the last beat. */
    long clockOffsetMs() {
        return clockOffsetMs;
    }

    /** Writes the row when a beat is due (or at once with force); the leader also forgets instances silent for an hour. */
    void maybeBeat(Connection c, long nowMs, boolean leader, Integer backendPid, boolean streaming, boolean force) throws SQLException {
        if (!force && nowMs - lastBeatMs < BEAT_MS) {
            return;
        }
        lastBeatMs = nowMs;
        long before = System.currentTimeMillis();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " AS i (instance_id, host, pid, role, backend_pid, streaming,"
                + " clock_offset_ms, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, now())"
                + " ON CONFLICT (instance_id) DO UPDATE SET role = excluded.role, backend_pid = excluded.backend_pid,"
                + " streaming = excluded.streaming, clock_offset_ms = excluded.clock_offset_ms, seen_at = now()"
                + " RETURNING (extract(epoch FROM clock_timestamp()) * 1000)::bigint")) {
            ps.setString(1, id);
            ps.setString(2, host);
            ps.setLong(3, ProcessHandle.current().pid());
            ps.setString(4, leader ? "leader" : "standby");
            if (backendPid == null) {
                ps.setNull(5, java.sql.Types.INTEGER);
            } else {
                ps.setInt(5, backendPid);
            }
            ps.setBoolean(6, streaming);
            ps.setLong(7, clockOffsetMs);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long after = System.currentTimeMillis();
                clockOffsetMs = rs.getLong(1) - (before + after) / 2;
            }
        }
        if (leader && nowMs - lastPruneMs > 60_000) {
            lastPruneMs = nowMs;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE seen_at < now() - make_interval(secs => ?)")) {
                ps.setLong(1, FORGET_AFTER_S);
                ps.executeUpdate();
            }
        }
    }

    /** A clean stop: the row goes, so `status` does not list a process that is not there. */
    void remove(Connection c) {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE instance_id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            // the row ages out: status shows it as gone
        }
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown-host";
        }
    }
}
