package dev.lookupkeeper.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.LongSupplier;

/**
 * What a stream's consumer still owes while clients push, and the wait until it has caught up once
 * they stop: the contended suite adds the share of that catch-up a measured window added to the
 * window, so a rate the stream cannot keep up with is not counted as one a queue can sustain.
 */
interface Backlog {
    /** PostgreSQL's WAL page (XLOG_BLCKSZ as built by default). */
    long WAL_PAGE = 8192;

    /** The backlog now, in the backlog's own unit (events, or WAL bytes). */
    long size() throws Exception;

    /** Waits until everything committed so far is consumed; returns the seconds it took. */
    double awaitCaughtUp() throws Exception;

    /** The sidecar: messages committed that its pipeline has not applied yet (one event each). */
    static Backlog ofSidecar(LongSupplier committed, LongSupplier applied, java.util.function.BooleanSupplier streaming) {
        return new Backlog() {
            @Override
            public long size() {
                return Math.max(0, committed.getAsLong() - applied.getAsLong());
            }

            @Override
            public double awaitCaughtUp() throws InterruptedException {
                long target = committed.getAsLong();
                long start = System.nanoTime();
                while (applied.getAsLong() < target) {
                    if (!streaming.getAsBoolean()) {
                        throw new IllegalStateException("the sidecar stopped streaming while it caught up (" + applied.getAsLong()
                                + " of " + target + " events applied)");
                    }
                    if (System.nanoTime() - start > 300_000_000_000L) {
                        throw new IllegalStateException("the sidecar applied " + applied.getAsLong() + " of " + target
                                + " events in 300 s after the load stopped");
                    }
                    Thread.sleep(5);
                }
                return (System.nanoTime() - start) / 1e9;
            }
        };
    }

    /** A slot's walsender: WAL bytes between the server's WAL end and what it has sent. */
    static Backlog ofWalsender(Connection c, String slot) {
        return new Backlog() {
            @Override
            public long size() throws SQLException {
                return Math.max(0, walEnd(c) - sent());
            }

            @Override
            public double awaitCaughtUp() throws Exception {
                long target = walEnd(c);
                long start = System.nanoTime();
                long sent = sent();
                long movedAt = start;
                while (sent < target) {
                    long now = System.nanoTime();
                    // the WAL end may lie past the last record's end (a page written whole): within a page of it
                    // and still for half a second, the walsender has sent everything there is
                    if (target - sent < WAL_PAGE && now - movedAt > 500_000_000L) {
                        return (movedAt - start) / 1e9;
                    }
                    if (now - start > 300_000_000_000L) {
                        throw new IllegalStateException("slot " + slot + "'s walsender did not send the WAL up to the load's end in 300 s");
                    }
                    Thread.sleep(5);
                    long next = sent();
                    if (next != sent) {
                        sent = next;
                        movedAt = System.nanoTime();
                    }
                }
                return (System.nanoTime() - start) / 1e9;
            }

            private long sent() throws SQLException {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(r.sent_lsn, '0/0')::bigint FROM pg_replication_slots s"
                        + " JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = ?")) {
                    ps.setString(1, slot);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("slot " + slot + " has no walsender: its client stopped");
                        }
                        long sent = rs.getLong(1);
                        if (rs.wasNull()) {
                            throw new IllegalStateException("slot " + slot + "'s walsender has sent nothing yet (no sent_lsn)");
                        }
                        return sent;
                    }
                }
            }
        };
    }

    private static long walEnd(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
