package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.Clusters;
import dev.lookupkeeper.testing.PrimaryAndStandby;
import dev.lookupkeeper.testing.FailoverChecks;
import dev.lookupkeeper.testing.RetryingPusher;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A failover on PostgreSQL 15 (the machine's binaries): a primary with a physical standby, pushes
 * and the sidecar running with both servers in its connection. The standby is promoted and the
 * old primary stopped as a crash would: the sidecar finds the new primary, sees that the logical
 * slot is not there (a standby has no copy of it before PostgreSQL 17), says so, bootstraps again
 * slot-first and loses nothing — the last write to a quiet partition, made on the new primary,
 * reaches the lookup, and the lookup equals the new primary's truth.
 */
class FailoverIT {
    private static final String DB = "failover";

    @Test
    void promotedStandbyIsFoundAndTheSlotBootstrappedAgain() throws Exception {
        Optional<PrimaryAndStandby> started = PrimaryAndStandby.start(Clusters.logicalSettings());
        assumeTrue(started.isPresent(), "no local PostgreSQL binaries with pg_basebackup");
        try (PrimaryAndStandby pair = started.get()) {
            try (Connection c = Database.connect(pair.primary().admin(), "tests"); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + DB);
            }
            ConnectionSettings both = pair.both(DB);
            FailoverChecks.Queues queues = FailoverChecks.createQueues(both, "fo");
            List<UUID> busy = queues.busy();
            UUID quiet = queues.quiet();
            Map<String, String> env = FailoverChecks.sidecarEnv(both);
            try (Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "1000").awaitStreaming();
                 RetryingPusher pusher = new RetryingPusher(both, busy, 2)) {
                Thread.sleep(3000);
                awaitStandbyCaughtUp(pair);
                pair.promoteStandby();
                pair.stopPrimary();
                long failedOverAt = System.nanoTime();
                FailoverChecks.pushOne(both, quiet); // the last write to this partition, on the new primary
                try {
                    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                            .until(() -> FailoverChecks.differences(both, quiet) == 0);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    String out = run.output();
                    throw new AssertionError("the quiet partition's push never reached the lookup:\n"
                            + out.substring(Math.max(0, out.length() - 8000)), e);
                }
                System.err.println("[tests] failover: the quiet partition's push in the lookup "
                        + (System.nanoTime() - failedOverAt) / 1_000_000 + " ms after the old primary stopped");
                Thread.sleep(2000);
                pusher.close();
                assertThat(pusher.committed()).isPositive();
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> FailoverChecks.differences(both, null) == 0);
                assertThat(run.isAlive()).as(run.output()).isTrue();
                assertThat(run.output()).contains("slot lookupkeeper is gone").contains("a failover to a standby").contains("bootstrapping again");
                assertThat(run.sigterm(15)).isZero();
            }
            Map<String, String> onNew = new HashMap<>(pair.standby().admin().withDatabase(DB).libpqEnvironment());
            onNew.put("PGPASSWORD", both.password());
            onNew.put("PGSSLMODE", "disable");
            Sidecar.Result verify = Sidecar.run(onNew, "verify");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            Sidecar.Result status = Sidecar.run(onNew, "status");
            assertThat(status.output()).as(status.output()).contains("bootstrapped again: ").contains("after a failover to a standby");
        }
    }

    private static void awaitStandbyCaughtUp(PrimaryAndStandby pair) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Connection c = Database.connect(pair.primary().admin(), "tests"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 1) FROM pg_stat_replication"
                         + " WHERE application_name = 'walreceiver'")) {
                rs.next();
                return rs.getLong(1) < 1_000_000;
            }
        });
    }
}
