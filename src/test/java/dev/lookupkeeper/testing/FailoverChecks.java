package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import org.awaitility.Awaitility;

/** What the failover tests ask of whichever server is primary now: one push, and the lookup against the truth. */
public final class FailoverChecks {
    private FailoverChecks() {}

    /** The queue's schema, two queues of 20 partitions that pushes keep busy, and one quiet partition. */
    public record Queues(java.util.List<UUID> busy, UUID quiet) {}

    public static Queues createQueues(ConnectionSettings s, String prefix) throws java.sql.SQLException {
        try (Connection c = Database.connect(s, "tests")) {
            dev.lookupkeeper.demo.QueenFixture.createSchema(c);
            return new Queues(dev.lookupkeeper.demo.QueenFixture.createQueues(c, prefix, 2, 20),
                    dev.lookupkeeper.demo.QueenFixture.createQueues(c, prefix + "quiet", 1, 1).get(0));
        }
    }

    /** A sidecar's environment for every server in {@code s} (the password by name, when there is one). */
    public static java.util.Map<String, String> sidecarEnv(ConnectionSettings s) {
        java.util.Map<String, String> env = new java.util.HashMap<>(s.libpqEnvironment());
        if (s.password() != null) {
            env.put("PGPASSWORD", s.password());
        }
        env.put("PGSSLMODE", "disable");
        env.put("LOOKUPKEEPER_HTTP_PORT", "0");
        return env;
    }

    /** One message into a partition, retried until a primary takes it (during a failover there may be none for a moment). */
    public static void pushOne(ConnectionSettings s, UUID partition) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            try (Connection c = Database.connect(s, "tests"); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('failover-' || gen_random_uuid(), ?, '{}')")) {
                ps.setObject(1, partition);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Partitions whose lookup row does not name their newest message (one partition, or all when null). */
    public static long differences(ConnectionSettings s, UUID only) throws Exception {
        try (Connection c = Database.connect(s, "tests"); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM (SELECT DISTINCT ON (m.partition_id) m.partition_id, m.id FROM queen.messages m"
                        + " ORDER BY m.partition_id, m.created_at DESC, m.id DESC) t"
                        + " LEFT JOIN queen.partition_lookup pl ON pl.partition_id = t.partition_id"
                        + " WHERE (?::uuid IS NULL OR t.partition_id = ?::uuid) AND pl.last_message_id IS DISTINCT FROM t.id")) {
            ps.setObject(1, only);
            ps.setObject(2, only);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
