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
 * docs/operations.md's lever for strict consistency's consumers: a role of their own at
 * {@code synchronous_commit = local} in the queue's database, which `install --consistency strict
 * --consumer-role` sets. With the sidecar frozen (SIGSTOP: it reports nothing), that role's lease
 * and ack commit at once, while a push at the database's {@code remote_apply} waits, and returns —
 * with its lookup row — only once the sidecar runs again. `verify` names the consumers' role
 * without a warning; `uninstall` takes back the levels install set and leaves one it did not.
 * Bad input (no strict, the queue's own role — named with it or set to remote_apply — a role that
 * does not exist) is refused, exit 2,
 * nothing set.
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
            db.execute("GRANT INSERT ON queen.messages TO " + role); // a consumer that could push: install warns
            Sidecar.Result install = Sidecar.run(db.env(), "install", "--consistency", "strict", "--consumer-role", role);
            assertThat(install.exitCode()).as(install.output()).isZero();
            assertThat(install.output())
                    .contains("ALTER ROLE \"" + role + "\" IN DATABASE \"" + db.name() + "\" SET synchronous_commit = local: done")
                    .contains("note: role " + role + " may insert into queen.messages")
                    .contains("note: synchronous_commit = local for role " + role + " in database: the consumers' role");
            db.execute("REVOKE INSERT ON queen.messages FROM " + role);
            Sidecar.Result again = Sidecar.run(db.env(), "install", "--consistency", "strict", "--consumer-role", role);
            assertThat(again.exitCode()).as(again.output()).isZero();
            assertThat(again.output()).contains("the consumers' role " + role + " commits at local in this database already")
                    .doesNotContain("may insert into");
            try (Sidecar run = Sidecar.start(db.env(), "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none")) {
                run.awaitOutput("strict consistency in effect");
                Sidecar.Result verify = Sidecar.run(db.env(), "verify");
                assertThat(verify.exitCode()).as(verify.output()).isZero();
                assertThat(verify.output()).contains("local (role " + role + " in database)").contains("consumers' role (install --consumer-role): role " + role)
                        .doesNotContain("WARNING: local/off sessions do not wait");
                try (Connection consumer = connectAs(role); Connection pusher = db.queueClient()) {
                    assertThat(level(consumer)).isEqualTo("local");
                    assertThat(level(pusher)).isEqualTo("remote_apply");
                    signal(run, "STOP");
                    try {
                        long t = System.nanoTime();
                        ack(consumer, partitions.get(0));
                        assertThat((System.nanoTime() - t) / 1_000_000).as("the consumer's ack with the sidecar frozen, ms").isLessThan(2_000);
                        CompletableFuture<UUID> push = CompletableFuture.supplyAsync(() -> PgDatabase.pushOne(pusher, partitions.get(1), "strict-consumers"));
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
                assertThat(run.sigterm(15)).isZero();
            }
            // a level install did not set is the operator's: uninstall leaves it
            String other = db.name() + "_batch";
            db.execute("CREATE ROLE " + other);
            try {
                db.execute("ALTER ROLE " + other + " IN DATABASE " + db.name() + " SET synchronous_commit = remote_apply");
                Sidecar.Result uninstall = Sidecar.run(db.env(), "uninstall");
                assertThat(uninstall.exitCode()).as(uninstall.output()).isZero();
                assertThat(uninstall.output()).contains("ALTER DATABASE \"" + db.name() + "\" RESET synchronous_commit: done (install had set remote_apply)")
                        .contains("ALTER ROLE \"" + role + "\" IN DATABASE \"" + db.name() + "\" RESET synchronous_commit: done (install had set local)");
                assertThat(levels()).as("synchronous_commit set in this database after uninstall").containsExactly("role " + other + "=remote_apply");
            } finally {
                db.execute("DROP ROLE " + other);
            }
        } finally {
            db.execute("DROP OWNED BY " + role);
            db.execute("DROP ROLE " + role);
        }
    }

    @Test
    void badConsumerRolesAreRefusedAndNothingIsSet() throws Exception {
        String role = db.name() + "_reader";
        String pusher = db.name() + "_pusher";
        db.execute("CREATE ROLE " + role);
        db.execute("CREATE ROLE " + pusher);
        try {
            db.execute("ALTER ROLE " + pusher + " IN DATABASE " + db.name() + " SET synchronous_commit = remote_apply");
            List<String> before = levels();
            Sidecar.Result pushing = Sidecar.run(db.env(), "install", "--consistency", "strict", "--consumer-role", pusher);
            assertThat(pushing.exitCode()).as(pushing.output()).isEqualTo(2);
            assertThat(pushing.output()).contains("--consumer-role " + pusher + " commits at remote_apply in this database");
            Sidecar.Result eventual = Sidecar.run(db.env(), "install", "--consumer-role", role);
            assertThat(eventual.exitCode()).as(eventual.output()).isEqualTo(2);
            assertThat(eventual.output()).contains("--consumer-role sets the consumers' commit level for --consistency strict");
            Sidecar.Result same = Sidecar.run(db.env(), "install", "--consistency", "strict", "--queue-role", role, "--consumer-role", role);
            assertThat(same.exitCode()).as(same.output()).isEqualTo(2);
            assertThat(same.output()).contains("is also --queue-role: a role that pushes must wait for its lookup row");
            Sidecar.Result missing = Sidecar.run(db.env(), "install", "--consistency", "strict", "--consumer-role", "no_such_role_here");
            assertThat(missing.exitCode()).as(missing.output()).isEqualTo(2);
            assertThat(missing.output()).contains("--consumer-role no_such_role_here: no such role on this server; nothing was changed");
            Sidecar.Result invalid = Sidecar.run(db.env(), "install", "--consistency", "strict", "--consumer-role", "Robert'); DROP");
            assertThat(invalid.exitCode()).as(invalid.output()).isEqualTo(2);
            assertThat(invalid.output()).contains("is not a valid name");
            assertThat(levels()).as("synchronous_commit set in this database").isEqualTo(before);
        } finally {
            db.execute("DROP ROLE " + role);
            db.execute("DROP ROLE " + pusher);
        }
    }

    /** Every synchronous_commit set for this database or a role in it, as "scope=value". */
    private static List<String> levels() throws SQLException {
        List<String> out = new java.util.ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT CASE WHEN s.setrole = 0 THEN 'database'"
                + " ELSE 'role ' || r.rolname END, substr(x, length('synchronous_commit=') + 1) FROM pg_db_role_setting s"
                + " CROSS JOIN LATERAL unnest(s.setconfig) x LEFT JOIN pg_roles r ON r.oid = s.setrole"
                + " WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " AND x LIKE 'synchronous_commit=%' ORDER BY 1"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1) + "=" + rs.getString(2));
            }
        }
        return out;
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

    private static void signal(Sidecar run, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(run.pid())).redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -" + signal).isZero();
    }
}
