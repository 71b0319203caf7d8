package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/operations.md's lever for strict consistency's consumers: a role of their own set to
 * {@code synchronous_commit = local} in the queue's database. With the sidecar frozen (SIGSTOP:
 * it reports nothing), that role's lease and ack commit at once, while a push at the database's
 * {@code remote_apply} waits, and returns — with its lookup row — only once the sidecar runs again.
 * `verify` lists the role's level with its warning and still passes.
 */
class StrictConsumersIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private static final String PASSWORD = "consumer-secret";

    @AfterEach
    void relax() throws SQLException {
        db.resetSynchronousStandbys();
    }

    @Test
    void aConsumersRoleAtLocalDoesNotWaitForTheSidecarWhilePushesDo() throws Exception {
        List<UUID> partitions = db.createQueues("cons", 1, 2);
        String role = db.name() + "_consumer";
        db.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'");
        try {
            db.execute("GRANT USAGE ON SCHEMA queen TO " + role);
            db.execute("GRANT SELECT, INSERT, UPDATE ON queen.partition_consumers TO " + role);
            db.execute("ALTER ROLE " + role + " IN DATABASE " + db.name() + " SET synchronous_commit = local");
            Sidecar.Result install = Sidecar.run(db.env(), "install", "--consistency", "strict");
            assertThat(install.exitCode()).as(install.output()).isZero();
            assertThat(install.output()).contains("note: synchronous_commit = local for role " + role + " in database");
            try (Sidecar run = Sidecar.start(db.env(), "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none")) {
                run.awaitOutput("strict consistency in effect");
                Sidecar.Result verify = Sidecar.run(db.env(), "verify");
                assertThat(verify.exitCode()).as(verify.output()).isZero();
                assertThat(verify.output()).contains("local (role " + role + " in database)").contains("WARNING: local/off sessions do not wait");
                try (Connection consumer = connectAs(role); Connection pusher = db.queueClient()) {
                    assertThat(level(consumer)).isEqualTo("local");
                    assertThat(level(pusher)).isEqualTo("remote_apply");
                    signal(run, "STOP");
                    try {
                        long t = System.nanoTime();
                        ack(consumer, partitions.get(0));
                        assertThat((System.nanoTime() - t) / 1_000_000).as("the consumer's ack with the sidecar frozen, ms").isLessThan(2_000);
                        CompletableFuture<UUID> push = CompletableFuture.supplyAsync(() -> push(pusher, partitions.get(1)));
                        try {
                            push.get(2, TimeUnit.SECONDS);
                            throw new AssertionError("a push at remote_apply returned while the sidecar was frozen");
                        } catch (TimeoutException expected) {
                            // it waits for the sidecar, as strict promises
                        }
                        signal(run, "CONT");
                        UUID pushed = push.get(30, TimeUnit.SECONDS);
                        assertThat(db.queryText("SELECT last_message_id::text FROM queen.partition_lookup WHERE partition_id = '"
                                + partitions.get(1) + "'")).as("the push's lookup row when its commit returned").isEqualTo(pushed.toString());
                    } finally {
                        signal(run, "CONT");
                    }
                }
            }
        } finally {
            db.execute("DROP OWNED BY " + role);
            db.execute("DROP ROLE " + role);
        }
    }

    private static Connection connectAs(String role) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", role);
        p.setProperty("password", PASSWORD);
        p.setProperty("ApplicationName", "queue-consumer");
        return DriverManager.getConnection(db.connection().jdbcUrl(), p);
    }

    private static String level(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SHOW synchronous_commit")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A pop's acknowledgement as the queue's server writes it: a consumer row moved, nothing else. */
    private static void ack(Connection c, UUID partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.partition_consumers (partition_id, consumer_group, last_consumed_at)"
                + " VALUES (?, '__QUEUE_MODE__', now()) ON CONFLICT (partition_id, consumer_group) DO UPDATE SET last_consumed_at = now()")) {
            ps.setObject(1, partition);
            ps.executeUpdate();
        }
    }

    private static UUID push(Connection c, UUID partition) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " VALUES ('strict-consumers', ?, '{}') RETURNING id")) {
            ps.setObject(1, partition);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return (UUID) rs.getObject(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void signal(Sidecar run, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(run.pid())).redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -" + signal).isZero();
    }
}
