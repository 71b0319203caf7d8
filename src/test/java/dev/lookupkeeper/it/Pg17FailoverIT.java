package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.Pg17PrimaryAndStandby;
import dev.lookupkeeper.testing.FailoverChecks;
import dev.lookupkeeper.testing.RetryingPusher;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A failover on PostgreSQL 17 with a slot made for it: `run --failover-slot` creates the slot with
 * failover = true, the standby synchronizes it; after the standby is promoted and the old primary
 * stopped, the sidecar finds the new primary and continues from the synchronized slot — no new
 * bootstrap — and loses nothing: the last write to a quiet partition, made on the new primary,
 * reaches the lookup, and the lookup equals the new primary's truth.
 */
class Pg17FailoverIT {
    @Test
    void theSynchronizedSlotCarriesOnWithoutABootstrap() throws Exception {
        try (Pg17PrimaryAndStandby pair = Pg17PrimaryAndStandby.start()) {
            ConnectionSettings both = pair.both();
            FailoverChecks.Queues queues = FailoverChecks.createQueues(both, "f17");
            List<UUID> busy = queues.busy();
            UUID quiet = queues.quiet();
            Map<String, String> env = FailoverChecks.sidecarEnv(both);
            try (Sidecar run = Sidecar.start(env, "run", "--failover-slot", "--heartbeat-ms", "1000").awaitStreaming();
                 RetryingPusher pusher = new RetryingPusher(both, busy, 2)) {
                assertThat(run.output()).contains("(failover: a standby that synchronizes slots keeps it)");
                Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> synced(pair.standby()));
                Thread.sleep(2000);
                pair.promoteStandby();
                pair.stopPrimary();
                long failedOverAt = System.nanoTime();
                FailoverChecks.pushOne(both, quiet);
                try {
                    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                            .until(() -> FailoverChecks.differences(both, quiet) == 0);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    String out = run.output();
                    throw new AssertionError("the quiet partition's push never reached the lookup:\n" + out.substring(Math.max(0, out.length() - 8000)), e);
                }
                System.err.println("[tests] PostgreSQL 17 failover: the quiet partition's push in the lookup "
                        + (System.nanoTime() - failedOverAt) / 1_000_000 + " ms after the old primary stopped");
                Thread.sleep(1000);
                pusher.close();
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> FailoverChecks.differences(both, null) == 0);
                assertThat(run.output()).as(run.output()).doesNotContain("bootstrapping again").doesNotContain("slot lookupkeeper is gone");
                assertThat(run.output()).contains("reconnected to PostgreSQL");
                Map<String, String> onNew = new HashMap<>(pair.standby().libpqEnvironment());
                onNew.put("PGSSLMODE", "disable");
                Sidecar.Result status = Sidecar.run(onNew, "status");
                assertThat(status.output()).as(status.output()).contains("failover (kept by a standby that synchronizes slots)");
                assertThat(run.sigterm(15)).isZero();
            }
        }
    }

    /** The standby holds a synchronized copy of lookupkeeper's slot. */
    private static boolean synced(ConnectionSettings standby) throws Exception {
        try (Connection c = Database.connect(standby, "tests"); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'lookupkeeper' AND synced AND NOT temporary")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }
}
