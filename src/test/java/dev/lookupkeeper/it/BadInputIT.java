package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.Clusters;
import dev.lookupkeeper.testing.PgCluster;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each bad input: a one-line error that says what to change, its exit code (2 usage/config, 3
 * database not ready), no stack trace, no secret, and nothing written.
 */
class BadInputIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @RegisterExtension
    static final PgDatabase empty = new PgDatabase(false);

    @Test
    void invalidSlotOrSchemaNameIsAUsageError() throws Exception {
        assertRejected(db, Sidecar.run(db.env(), "run", "--slot", "Bad-Slot"), 2, "--slot 'Bad-Slot' is not a valid name");
        assertRejected(db, Sidecar.run(db.env(), "run", "--schema", "x;drop"), 2, "--schema 'x;drop' is not a valid name");
        assertRejected(db, Sidecar.run(db.env(), "install", "--publication", "\"quoted\""), 2, "--publication");
        assertRejected(db, Sidecar.run(db.env(), "run", "--no-such-flag"), 2, "--no-such-flag");
        // durations: the forms operators write are taken, anything else says which forms are
        assertRejected(db, Sidecar.run(db.env(), "run", "--heartbeat-ms", "soon"), 2, "'soon' is not a duration: use e.g. 500ms, 20s");
        assertRejected(db, Sidecar.run(db.env(), "verify", "--wait", "5 minutes"), 2, "is not a duration");
        assertRejected(db, Sidecar.run(db.env(), "run", "--http-port", "18089", "--http-bind", "no-such-host.invalid", "--replay-window", "15"), 2,
                "--http-bind no-such-host.invalid is not an address of this host");
    }

    @Test
    void walLevelNotLogicalIsRefused() throws Exception {
        Map<String, String> settings = new HashMap<>(Clusters.logicalSettings());
        settings.put("wal_level", "replica");
        try (PgCluster replica = Clusters.start(settings)) {
            ConnectionSettings admin = replica.admin();
            try (Connection c = Database.connect(admin, "tests"); Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA queen");
            }
            Map<String, String> env = new HashMap<>(db.env());
            env.put("PGHOST", admin.host());
            env.put("PGPORT", Integer.toString(admin.port()));
            env.put("PGDATABASE", "postgres");
            Sidecar.Result r = Sidecar.run(env, "run");
            assertThat(r.exitCode()).as(r.output()).isEqualTo(3);
            assertThat(r.output()).contains("wal_level is 'replica' but must be 'logical'");
            assertClean(r);
        }
    }

    @Test
    void roleWithoutReplicationIsRefused() throws Exception {
        db.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'norepl') THEN"
                + " CREATE ROLE norepl LOGIN PASSWORD 'norepl-secret-123'; END IF; END $$");
        Map<String, String> env = new HashMap<>(db.env());
        env.put("PGUSER", "norepl");
        env.put("PGPASSWORD", "norepl-secret-123");
        Sidecar.Result r = Sidecar.run(env, "run");
        assertRejected(db, r, 3, "lookupkeeper run: role 'norepl' cannot run lookupkeeper: it lacks REPLICATION (to read a slot: ALTER ROLE norepl REPLICATION)");
        // every missing privilege in the same line, with where to find the grants
        assertThat(r.output()).contains("; USAGE on schema queen; SELECT on queen.messages, queen.partition_consumers, queen.partitions,"
                + " queen.queues (grant what is missing as sql/roles/lookupkeeper_role.sql does)");
        assertThat(r.output()).doesNotContain("norepl-secret-123");
    }

    @Test
    void missingTablesOrColumnsAreRefused() throws Exception {
        assertRejected(empty, Sidecar.run(empty.env(), "run"), 3, "table queen.messages does not exist");
        empty.execute("CREATE SCHEMA IF NOT EXISTS queen;"
                + " CREATE TABLE IF NOT EXISTS queen.queues (id uuid PRIMARY KEY, name text UNIQUE);"
                + " CREATE TABLE IF NOT EXISTS queen.partitions (id uuid PRIMARY KEY, queue_id uuid, name text);"
                + " CREATE TABLE IF NOT EXISTS queen.messages (id uuid PRIMARY KEY, partition_id uuid)");
        assertRejected(empty, Sidecar.run(empty.env(), "install"), 3, "table queen.messages lacks column(s) created_at");
    }

    @Test
    void publicationWithoutANeededColumnIsRefused() throws Exception {
        db.execute("CREATE PUBLICATION narrow_pub FOR TABLE queen.messages (id, partition_id) WITH (publish = 'insert, delete, truncate')");
        try {
            Sidecar.Result r = Sidecar.run(db.env(), "run", "--publication", "narrow_pub");
            assertThat(r.exitCode()).as(r.output()).isEqualTo(3);
            assertThat(r.output()).contains("publication narrow_pub ships queen.messages without column(s) created_at")
                    .contains("ALTER PUBLICATION \"narrow_pub\" SET TABLE \"queen\".messages (id, partition_id, created_at)");
            assertClean(r);
        } finally {
            db.execute("DROP PUBLICATION narrow_pub");
        }
    }

    @Test
    void publicationForAnotherTableIsRefused() throws Exception {
        db.execute("CREATE PUBLICATION other_pub FOR TABLE queen.queues");
        try {
            Sidecar.Result r = Sidecar.run(db.env(), "run", "--publication", "other_pub");
            assertRejected(db, r, 3, "publication other_pub already exists for queen.queues");
            assertThat(r.output()).contains("choose another name with --publication");
        } finally {
            db.execute("DROP PUBLICATION other_pub");
        }
    }

    @Test
    void unreachableServerGivesUpAfterBoundedRetries() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(db.env());
        env.put("PGHOST", "127.0.0.1");
        env.put("PGPORT", Integer.toString(port));
        long t = System.nanoTime();
        Sidecar.Result r = Sidecar.run(env, "run", "--connect-attempts", "3");
        long seconds = (System.nanoTime() - t) / 1_000_000_000L;
        assertThat(r.exitCode()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("cannot connect to PostgreSQL at 127.0.0.1:" + port);
        assertThat(seconds).isLessThan(30);
        assertClean(r);
    }

    @Test
    void wrongPasswordSaysWhatToCheckWithoutEchoingIt() throws Exception {
        Map<String, String> env = new HashMap<>(db.env());
        env.put("PGPASSWORD", "definitely-wrong-pw-42");
        Sidecar.Result r = Sidecar.run(env, "install");
        assertRejected(db, r, 3, "check PGUSER and PGPASSWORD");
        assertThat(r.output()).doesNotContain("definitely-wrong-pw-42");
    }

    private static void assertRejected(PgDatabase target, Sidecar.Result r, int exitCode, String message) throws Exception {
        assertThat(r.exitCode()).as(r.output()).isEqualTo(exitCode);
        assertThat(r.output()).contains(message);
        assertClean(r);
        assertNothingWritten(target);
    }

    /** One error line, no stack trace, no password. */
    private static void assertClean(Sidecar.Result r) {
        List<String> errorLines = r.output().lines().filter(l -> l.startsWith("lookupkeeper ")).toList();
        if (!r.output().contains("Usage:")) {
            assertThat(errorLines).as(r.output()).hasSize(1);
        }
        assertThat(r.output()).doesNotContain("\tat ").doesNotContain("Exception:");
        assertThat(r.output()).doesNotContain(db.connection().password());
    }

    private static void assertNothingWritten(PgDatabase target) throws Exception {
        assertThat(target.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'lookupkeeper'")).as("schema created").isZero();
        assertThat(target.queryLong("SELECT count(*) FROM pg_publication WHERE pubname = 'lookupkeeper_messages'")).as("publication created").isZero();
        assertThat(target.queryLong("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")).as("slot created").isZero();
        assertThat(target.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'partition_lookup'")).as("table created").isZero();
    }
}
