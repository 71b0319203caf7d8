package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Strict consistency on the remote_apply path, against a PostgreSQL of its own: `install
 * --consistency strict` sets the queue's sessions to remote_apply and `status` / `verify` say so;
 * every push is in the lookup when its COMMIT returns; and PostgreSQL killed (`-m immediate`, the
 * sidecar killed first) right after the last strict commit returned: after recovery — PostgreSQL's,
 * then the sidecar's, which streams again from the slot's confirmed position — every one of those
 * pushes, each the only one of its partition, has its lookup row. The sidecar's own commit does not
 * wait for its WAL flush (--strict-sink-commit async, auto's choice where fsync is on): a row reported visible may be lost by the
 * crash, so the slot must not have confirmed it — the second test looks at what the server was told
 * while the reader stands still between the two reports.
 */
class StrictRemoteApplyIT {
    @RegisterExtension
    static final PgDatabase db = PgDatabase.onOwnCluster();
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void relax() throws SQLException {
        db.resetSynchronousStandbys();
    }

    @Test
    void remoteApplyPushesAreInTheLookupWhenTheyReturnAndSurviveAnImmediateRestart() throws Exception {
        assumeTrue(db.cluster().canRestart(), "this cluster cannot be restarted by the tests");
        List<UUID> partitions = db.createQueues("ra", 1, 300);
        Map<String, String> env = db.env();
        Sidecar.Result install = Sidecar.run(env, "install", "--consistency", "strict");
        assertThat(install.exitCode()).as(install.output()).isZero();
        assertThat(install.output()).contains("SET synchronous_commit = remote_apply: done");
        JsonNode status = JSON.readTree(Sidecar.run(env, "status", "--json").output());
        assertThat(status.at("/consistency/queue_commit/0/scope").asText()).as(status.toString()).isEqualTo("database");
        assertThat(status.at("/consistency/queue_commit/0/synchronous_commit").asText()).isEqualTo("remote_apply");
        assertThat(status.at("/consistency/queue_commit").size()).as("the database's setting hides the server's").isEqualTo(1);

        Map<UUID, UUID> pushed = new LinkedHashMap<>();
        int misses = 0;
        try (Sidecar run = Sidecar.start(env, "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none")) {
            run.awaitOutput("strict consistency in effect");
            Sidecar.Result verify = Sidecar.run(env, "verify");
            assertThat(verify.output()).contains("the queue's sessions commit at remote_apply (database)");
            try (Connection client = queueClient()) {
                assertThat(setting(client)).as("a new session of the queue's commits at the level install set").isEqualTo("remote_apply");
                PgDatabase.StrictPushes pushes = db.pushEachAndLook(client, partitions, "ra");
                pushed.putAll(pushes.pushed());
                misses = pushes.misses();
            }
            // at once after the last commit returned: nothing may write the lookup after this, and nothing
            // not yet written to the WAL (the WAL writer runs every 200 ms) may survive
            run.sigkill();
            db.cluster().restart(true);
        }
        assertThat(misses).as("pushes not in the lookup when their COMMIT returned").isZero();
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> db.queryLong("SELECT 1") == 1);
        assertThat(pushed).hasSize(partitions.size());
        System.out.println("StrictRemoteApplyIT: lookup rows missing after PostgreSQL's recovery, before the sidecar's: " + missing(pushed));
        try (Sidecar run = Sidecar.start(env, "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none")) {
            run.awaitOutput("strict consistency in effect");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> missing(pushed) == 0);
            assertThat(missing(pushed)).as("strict pushes whose lookup row a crash of PostgreSQL lost for good").isZero();
        }
    }

    @Test
    void aBatchIsReportedVisibleAtOnceButDurableOnlyOnceItsCommitIsAndACrashBetweenLosesNothing() throws Exception {
        assumeTrue(db.cluster().canRestart(), "this cluster cannot be restarted by the tests");
        UUID partition = db.createQueues("vis", 1, 1).get(0);
        Map<String, String> env = db.env();
        assertThat(Sidecar.run(env, "install", "--consistency", "strict").exitCode()).isZero();
        Map<String, String> paused = new java.util.HashMap<>(env);
        paused.put("LOOKUPKEEPER_FAILPOINT_PAUSE", "visible-not-durable:30000");
        Map<UUID, UUID> pushed = new LinkedHashMap<>();
        try (Sidecar run = Sidecar.start(paused, "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none",
                "--application-name", "lk_vis", "--strict-sink-commit", "async")) {
            run.awaitOutput("lookup commits do not wait for their WAL flush");
            run.awaitOutput("strict consistency in effect");
            try (Connection client = queueClient(); Statement st = client.createStatement();
                 ResultSet rs = st.executeQuery("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES"
                         + " ('vis-1', '" + partition + "', '{}') RETURNING id")) {
                rs.next();
                pushed.put(partition, (UUID) rs.getObject(1));
            }
            assertThat(missing(pushed)).as("visible when the COMMIT returned").isZero();
            // the reader now stands still right after reporting the batch as applied (visible) only
            long[] reported = reported("lk_vis");
            assertThat(reported[1]).as("apply reported past the push").isPositive();
            assertThat(reported[0]).as("flush (durable) not reported as far as apply while the commit may still be lost")
                    .isLessThan(reported[1]);
            assertThat(reported[2]).as("nor confirmed by the slot").isLessThan(reported[1]);
            run.sigkill();
            db.cluster().restart(true);
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> db.queryLong("SELECT 1") == 1);
        System.out.println("StrictRemoteApplyIT: the paused batch's row after PostgreSQL's recovery: " + (missing(pushed) == 0 ? "kept" : "lost"));
        try (Sidecar run = Sidecar.start(env, "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none",
                "--application-name", "lk_vis")) {
            run.awaitOutput("strict consistency in effect");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> missing(pushed) == 0);
        }
    }

    /** flush, apply (replay) as the walsender of that name was told, and the slot's confirmed position, as LSN numbers. */
    private static long[] reported(String applicationName) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT r.flush_lsn - '0/0'::pg_lsn, r.replay_lsn - '0/0'::pg_lsn,"
                + " s.confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
                + " WHERE r.application_name = ?")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the sidecar's walsender").isTrue();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
        }
    }

    /** Pushes whose partition's lookup row does not name them. */
    private static int missing(Map<UUID, UUID> pushed) throws SQLException {
        int missing = 0;
        try (Connection c = queueClient();
             PreparedStatement look = c.prepareStatement("SELECT last_message_id FROM queen.partition_lookup WHERE partition_id = ?")) {
            for (Map.Entry<UUID, UUID> e : pushed.entrySet()) {
                look.setObject(1, e.getKey());
                try (ResultSet rs = look.executeQuery()) {
                    if (!rs.next() || !e.getValue().equals(rs.getObject(1))) {
                        missing++;
                    }
                }
            }
        }
        return missing;
    }

    private static String setting(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Connection queueClient() throws SQLException {
        return db.queueClient();
    }
}
