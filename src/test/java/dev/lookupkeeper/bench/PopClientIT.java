package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.demo.UuidV7;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contended suite's pop client on a real server, the lookup kept by the queue's trigger: each
 * pop takes every message past one partition's cursor and moves the cursor to its last one; a
 * partition with nothing new is not popped; one leased by another worker is skipped until its
 * lease is let go, and one leased by another worker between the candidates and the lease is left
 * alone; a candidate with nothing past its cursor is leased and let go again.
 */
class PopClientIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void aPopTakesWhatIsPastOnePartitionsCursorAndMovesIt() throws Exception {
        try (Connection c = Database.connect(db.connection(), "pop-client-it")) {
            List<UUID> partitions = QueenFixture.createQueues(c, "pops", 1, 2);
            new Installer(db.settings()).install(c, true);
            new TriggerMode(db.settings()).create(c);
            UUID a = partitions.get(0);
            UUID b = partitions.get(1);
            UUID lastOfA = push(c, a, 3);
            UUID lastOfB = push(c, b, 2); // newer: the first candidate (least recently consumed, then newest first)
            try (PopClient client = new PopClient(c, "pops-0", "pop-it")) {
                assertThat(client.popOnce(() -> true)).as("B's two messages").isEqualTo(2);
                assertThat(cursor(c, b)).isEqualTo(lastOfB);
                assertThat(client.popOnce(() -> true)).as("A's three messages").isEqualTo(3);
                assertThat(cursor(c, a)).isEqualTo(lastOfA);
                assertThat(client.popOnce(() -> true)).as("nothing past either cursor").isZero();

                UUID newest = push(c, a, 1);
                assertThat(client.popOnce(() -> true)).as("only the message pushed since").isEqualTo(1);
                assertThat(cursor(c, a)).isEqualTo(newest);

                push(c, b, 4);
                lease(c, b, "another-worker", "now() + interval '1 minute'");
                assertThat(client.popOnce(() -> true)).as("B is leased by another worker: not a candidate").isZero();
                lease(c, b, null, "NULL");
                // B is a candidate, then another worker leases it before this pop's lease: refused, nothing popped
                boolean[] leasedMeanwhile = {false};
                assertThat(client.popOnce(() -> {
                    if (!leasedMeanwhile[0]) {
                        leasedMeanwhile[0] = true;
                        try (Connection other = Database.connect(db.connection(), "pop-client-it-other")) {
                            lease(other, b, "another-worker", "now() + interval '1 minute'");
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return true;
                })).as("B leased between the candidates and the lease").isZero();
                assertThat(leasedMeanwhile[0]).isTrue();
                assertThat(cursor(c, b)).as("B's cursor, untouched").isEqualTo(lastOfB);
                lease(c, b, null, "NULL");
                assertThat(client.popOnce(() -> false)).as("told to stop: no candidate tried").isZero();
                assertThat(client.popOnce(() -> true)).as("B's four, its lease let go").isEqualTo(4);

                // a candidate with nothing to read (its messages gone, its lookup row left): leased, then let go
                UUID gone = push(c, a, 2);
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM queen.messages WHERE partition_id = ? AND id > ?")) {
                    ps.setObject(1, a);
                    ps.setObject(2, newest);
                    assertThat(ps.executeUpdate()).isEqualTo(2);
                }
                assertThat(worker(c, a)).as("A's worker after its last ack (an ack keeps it)").isEqualTo("pop-it");
                assertThat(client.popOnce(() -> true)).as("A's lookup row is past its cursor, its messages are gone").isZero();
                assertThat(cursor(c, a)).as("A's cursor, untouched").isEqualTo(newest).isNotEqualTo(gone);
                assertThat(worker(c, a)).as("A leased, then let go (the release clears the worker)").isNull();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*), sum(total_messages_consumed) FROM queen.partition_consumers"
                    + " WHERE lease_expires_at IS NULL");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as("both partitions' leases let go").isEqualTo(2);
                assertThat(rs.getLong(2)).as("every message counted once").isEqualTo(10);
            }
        }
    }

    /** Pushes {@code n} messages to one partition in one transaction; returns the last one's id. */
    private static UUID push(Connection c, UUID partition, int n) throws SQLException {
        UUID last = null;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.messages (id, transaction_id, partition_id, payload)"
                + " VALUES (?, ?, ?, '{}'::jsonb)")) {
            for (int i = 0; i < n; i++) {
                last = UuidV7.next();
                ps.setObject(1, last);
                ps.setString(2, last.toString());
                ps.setObject(3, partition);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return last;
    }

    private static UUID cursor(Connection c, UUID partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT last_consumed_id FROM queen.partition_consumers WHERE partition_id = ?")) {
            ps.setObject(1, partition);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? (UUID) rs.getObject(1) : null;
            }
        }
    }

    private static String worker(Connection c, UUID partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT worker_id FROM queen.partition_consumers WHERE partition_id = ?")) {
            ps.setObject(1, partition);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void lease(Connection c, UUID partition, String worker, String expiresSql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE queen.partition_consumers SET worker_id = ?, lease_expires_at = "
                + expiresSql + " WHERE partition_id = ?")) {
            ps.setString(1, worker);
            ps.setObject(2, partition);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }
}
