package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import dev.lookupkeeper.testing.StandbyAway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A push that is not visible yet when the stream delivers it: a synchronous standby is away, so the
 * push's COMMIT waits after its commit record went to the walsender. Its transaction creates the
 * partition it pushes to, so the sink cannot see the partition. Eventual mode, the README's
 * default. The checkpoint must stay before it however long it waits (no give-up), later pushes
 * keep flowing, and a sidecar killed meanwhile streams it again after a restart.
 */
class SynchronousStandbyAwayIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPushHeld40sByAnAbsentStandbyGetsItsRowWhenItBecomesVisible() throws Exception {
        List<UUID> others = db.createQueues("away", 1, 4);
        Map<String, String> env = db.env();
        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0")) {
            run.awaitStreaming();
            StandbyAway.Push held;
            try (StandbyAway away = StandbyAway.on(db)) {
                held = away.push("away-0", 5);
                long heldAt = System.nanoTime();
                // later pushes (sessions that do not wait for the standby) keep reaching the lookup meanwhile
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                        .until(() -> heldTransactions(env) >= 1);
                for (int round = 0; round < 3; round++) {
                    db.push(others.get(round), 3);
                    db.awaitLookupEqualsOracle(Duration.ofSeconds(10)); // the held partition is invisible: not in the oracle yet
                }
                JsonNode status = JSON.readTree(Sidecar.run(env, "status", "--json").output());
                assertThat(status.at("/held/transactions").asInt()).isGreaterThanOrEqualTo(1);
                assertThat(status.at("/held/from_lsn").asText()).isNotBlank();
                long heldLsn = lsn(status.at("/held/from_lsn").asText());
                assertThat(lsn(status.at("/last_batch/checkpoint_lsn").asText())).as("the checkpoint stays at the held position")
                        .isEqualTo(heldLsn);
                long confirmed = lsn(db.queryText("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '"
                        + db.slot("pgoutput") + "'"));
                assertThat(Long.compareUnsigned(confirmed, heldLsn)).as("the slot is not confirmed past the held push").isLessThanOrEqualTo(0);
                long waitNanos = Duration.ofSeconds(40).toNanos() - (System.nanoTime() - heldAt);
                Thread.sleep(Math.max(0, waitNanos / 1_000_000));
                assertThat(held.commit().isDone()).as("the push still waits for the standby").isFalse();
                assertThat(db.lookup()).doesNotContainKey(held.partition());
                assertThat(run.output()).contains("transaction(s) held for");
                assertThat(heldTransactions(env)).isGreaterThanOrEqualTo(1);
            }
            held.awaitCommitted();
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .alias("the held partition's row, once its push is visible")
                    .until(() -> db.lookup().containsKey(held.partition()));
            db.awaitLookupEqualsOracle(Duration.ofSeconds(5));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> heldTransactions(env) == 0);
            assertThat(run.sigterm(15)).isZero();
        }
        assertThat(Sidecar.run(env, "verify").exitCode()).isZero();
    }

    @Test
    void aSidecarKilledWhileAPushIsHeldStreamsItAgainAfterARestart() throws Exception {
        db.createQueues("killed", 1, 1);
        Map<String, String> env = db.env();
        StandbyAway.Push held;
        try (StandbyAway away = StandbyAway.on(db)) {
            try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0")) {
                run.awaitStreaming();
                held = away.push("killed-0", 3);
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> heldTransactions(env) >= 1);
                run.sigkill();
            }
        }
        held.awaitCommitted(); // visible now, with nobody streaming
        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0")) {
            run.awaitStreaming();
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .alias("the quiet partition's only push, streamed again from the checkpoint before it")
                    .until(() -> db.lookup().containsKey(held.partition()));
            db.awaitLookupEqualsOracle(Duration.ofSeconds(5));
            assertThat(run.output()).doesNotContain("bootstrapping again");
            assertThat(run.sigterm(15)).isZero();
        }
    }

    private static int heldTransactions(Map<String, String> env) throws Exception {
        return JSON.readTree(Sidecar.run(env, "status", "--json").output()).at("/held/transactions").asInt();
    }

    private static long lsn(String text) {
        String[] p = text.split("/");
        return (Long.parseLong(p[0], 16) << 32) | Long.parseLong(p[1], 16);
    }
}
