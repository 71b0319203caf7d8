package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import dev.lookupkeeper.testing.StandbyAway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sidecar halted (exit 137, like SIGKILL) at every boundary of a batch — after its upsert
 * committed, while it is held unseen, after a checkpoint that settled it was stored, before and
 * after its position is confirmed — then restarted: the lookup equals the truth. The write that
 * matters each time is the only one a quiet partition ever gets, so no later push can hide a loss.
 */
class BatchBoundaryCrashIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @ParameterizedTest
    @ValueSource(strings = {"batch-upserted", "confirm-before", "confirm-after"})
    void haltedAtABatchBoundaryLosesNothing(String failpoint) throws Exception {
        List<UUID> quiet = db.createQueues("fp-" + failpoint, 1, 2);
        try (Sidecar run = Sidecar.start(armed(failpoint), "run", "--replay-window", "0")) {
            run.awaitStreaming();
            db.push(quiet.get(0), 5);
            awaitHalted(run, failpoint);
        }
        db.push(quiet.get(1), 2); // while nobody streams
        restartAndAwaitTruth(quiet);
    }

    @ParameterizedTest
    @ValueSource(strings = {"batch-held", "checkpoint-stored"})
    void haltedWhileHeldOrRightAfterItSettledLosesNothing(String failpoint) throws Exception {
        db.createQueues("fp-" + failpoint, 1, 1);
        StandbyAway.Push held;
        try (StandbyAway away = StandbyAway.on(db); Sidecar run = Sidecar.start(armed(failpoint), "run", "--replay-window", "0")) {
            run.awaitStreaming();
            held = away.push("fp-" + failpoint + "-0", 4); // creates its partition: invisible while the standby is away
            if (failpoint.equals("checkpoint-stored")) {
                Thread.sleep(1_000);
                assertThat(run.isAlive()).as("still holding: " + run.output()).isTrue();
                away.comeBack(); // visible now: the retry applies it, and the checkpoint that settles it is stored
            }
            awaitHalted(run, failpoint);
        }
        held.awaitCommitted();
        restartAndAwaitTruth(List.of(held.partition()));
    }

    private static Map<String, String> armed(String failpoint) {
        Map<String, String> env = db.env();
        env.put("LOOKUPKEEPER_FAILPOINT", failpoint);
        return env;
    }

    private static void awaitHalted(Sidecar run, String failpoint) throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> !run.isAlive());
        assertThat(run.output()).contains("failpoint " + failpoint + ": halting");
        assertThat(run.sigterm(1)).isEqualTo(137);
    }

    private static void restartAndAwaitTruth(List<UUID> quiet) throws Exception {
        try (Sidecar run = Sidecar.start(db.env(), "run", "--replay-window", "0")) {
            run.awaitStreaming();
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> db.lookup().keySet().containsAll(quiet));
            db.awaitLookupEqualsOracle(Duration.ofSeconds(5));
            assertThat(run.output()).as("streamed again from the checkpoint, not restored by a backfill").doesNotContain("bootstrapping again");
            assertThat(run.sigterm(15)).isZero();
        }
    }
}
