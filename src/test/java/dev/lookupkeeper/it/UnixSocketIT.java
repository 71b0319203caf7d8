package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PGHOST naming a Unix-socket directory, as libpq reads it (a sidecar on the database's host: the
 * walsender spends about 40 % less per message than over TCP loopback). Every connection of `run`,
 * the replication stream included, goes through the socket — PostgreSQL shows no client address for
 * any of them — the lookup follows the pushes, SIGTERM stops it within its bound, and strict
 * read-your-writes holds: the reader's timed waits and its status updates work over the socket.
 */
class UnixSocketIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @AfterEach
    void relax() throws SQLException {
        db.resetSynchronousStandbys();
    }

    /** The test database's environment with PGHOST set to the server's Unix-socket directory. */
    private static Map<String, String> viaSocket() throws SQLException {
        String dir = db.socketDirectory();
        assumeTrue(dir != null, "the test server's Unix socket is not reachable from here");
        Map<String, String> env = db.env();
        env.put("PGHOST", dir);
        return env;
    }

    @Test
    void everyConnectionGoesThroughTheSocketAndTheLookupFollows() throws Exception {
        List<UUID> partitions = db.createQueues("ux", 1, 50);
        Map<String, String> env = viaSocket();
        Sidecar.Result install = Sidecar.run(env, "install");
        assertThat(install.exitCode()).as(install.output()).isZero();
        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0")) {
            run.awaitStreaming();
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + db.name()
                    + "' AND client_addr IS NULL AND state = 'streaming'")).as("the stream's walsender, on the socket").isEqualTo(1);
            try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 2000, 10, 0, 7)).start()) {
                Thread.sleep(3000);
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            String ours = "datname = '" + db.name() + "' AND (application_name LIKE 'lookupkeeper-%' OR application_name = '" + db.name() + "')";
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE " + ours + " AND client_addr IS NULL"))
                    .as("the sidecar's sessions on the socket").isGreaterThanOrEqualTo(2);
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE " + ours + " AND client_addr IS NOT NULL"))
                    .as("the sidecar's sessions over TCP").isZero();
            long t = System.nanoTime();
            assertThat(run.sigterm(30)).as(run.output()).isZero();
            assertThat((System.nanoTime() - t) / 1_000_000).as("SIGTERM until the process exited, ms").isLessThanOrEqualTo(10_000);
        }
    }

    @Test
    void strictPushesAreInTheLookupWhenTheirCommitReturns() throws Exception {
        List<UUID> partitions = db.createQueues("uxs", 1, 200);
        Map<String, String> env = viaSocket();
        Sidecar.Result install = Sidecar.run(env, "install", "--consistency", "strict");
        assertThat(install.exitCode()).as(install.output()).isZero();
        int misses = 0;
        try (Sidecar run = Sidecar.start(env, "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none")) {
            run.awaitOutput("strict consistency in effect");
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + db.name()
                    + "' AND client_addr IS NULL AND sync_state = 'sync'")).as("the synchronous standby is the sidecar, on the socket").isEqualTo(1);
            try (Connection client = db.queueClient()) {
                misses = db.pushEachAndLook(client, partitions, "uxs").misses();
            }
        }
        assertThat(misses).as("strict pushes over TCP not in the lookup when their COMMIT returned, the sidecar on the socket").isZero();
    }

    @Test
    void aSocketTheEngineCannotUseOrThatIsNotThereIsSaidClearly() throws Exception {
        Map<String, String> env = viaSocket();
        Sidecar.Result debezium = Sidecar.run(env, "run", "--source", "debezium");
        assertThat(debezium.exitCode()).as(debezium.output()).isEqualTo(2);
        assertThat(debezium.output()).contains("is a Unix socket directory: Debezium's engine connects over TCP only");
        Map<String, String> missing = new java.util.HashMap<>(env);
        missing.put("PGHOST", "/nonexistent-lookupkeeper-socket-dir");
        Sidecar.Result status = Sidecar.run(missing, "status");
        assertThat(status.exitCode()).as(status.output()).isNotZero();
        assertThat(status.output()).contains("/nonexistent-lookupkeeper-socket-dir/.s.PGSQL." + db.connection().port())
                .containsIgnoringCase("no such file");
    }
}
