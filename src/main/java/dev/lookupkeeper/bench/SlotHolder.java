package dev.lookupkeeper.bench;

import dev.lookupkeeper.pg.Slots;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Who holds a replication slot, and waits for that to change: the suites start a client (the
 * sidecar, pg_recvlogical), wait until it streams, measure, stop it and wait until its walsender
 * lets the slot go before dropping it. One place for the polling, so every suite waits the same way.
 */
final class SlotHolder {
    private static final long POLL_MS = 20;

    private SlotHolder() {}

    /**
     * Waits until someone holds the slot (any holder: unlike {@link #walsenderPid}, a backend still
     * creating it counts, which is enough for a client that creates no slot of its own); fails at
     * once when the client that should stream ({@code who}, for the message) exits, and after
     * {@code atMost}.
     */
    static void awaitStreaming(Connection c, String slot, Process client, String who, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (Slots.activePid(c, slot) == null) {
            if (!client.isAlive()) {
                throw new IllegalStateException(who + " did not start streaming from slot " + slot + " (it exited with " + client.exitValue() + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(who + " did not start streaming from slot " + slot + " within " + atMost.toSeconds() + " s");
            }
            Thread.sleep(POLL_MS);
        }
    }

    /**
     * Waits until nobody streams from the slot: a walsender deep in a backlog notices its client
     * gone only at its next send. Returns whether it was released within {@code atMost}.
     */
    static boolean awaitReleased(Connection c, String slot, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (Slots.activePid(c, slot) != null) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(POLL_MS);
        }
        return true;
    }

    /**
     * The walsender streaming from the slot, waiting up to {@code waitMs}; -1 when none. Only a
     * walsender counts: while a slot is being created, the creating backend holds it for a moment.
     */
    static long walsenderPid(Connection c, String slot, long waitMs) throws SQLException {
        for (long i = 0; i <= waitMs / POLL_MS; i++) {
            try (var ps = c.prepareStatement("SELECT s.active_pid FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid"
                    + " WHERE s.slot_name = ?")) {
                ps.setString(1, slot);
                try (var rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getLong(1);
                    }
                }
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }
}
