package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.CopyRows;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Same-LSN groups under SIGKILL: in each of 20 cycles a 5,000-row COPY (its rows share heap
 * multi-insert records) is the last write a quiet partition ever gets, and the sidecar is killed
 * at a random moment around it. A position confirmed before its transaction was applied would
 * leave that partition's row missing for good: no later push hides it.
 */
class SameLsnCrashIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "debezium"})
    void aCopyAsTheLastWriteOfAQuietPartitionSurvivesKills(String source) throws Exception {
        Map<String, String> env = db.env(source);
        List<UUID> busy = db.createQueues("lsn-busy-" + source, 1, 100);
        List<UUID> quiet = db.createQueues("lsn-quiet-" + source, 1, 8); // the soak (mvn -Psoak) does hundreds
        Random random = new Random(20261127L);
        String[] batchSizes = {"100", "1000", "8192"};
        try (PushLoad load = new PushLoad(db.connection(), busy, new PushLoad.Options(2, 500, 10, 2, 11)).start()) {
            for (int cycle = 0; cycle < quiet.size(); cycle++) {
                try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0",
                        "--max-batch-size", batchSizes[random.nextInt(batchSizes.length)]).awaitStreaming()) {
                    Thread.sleep(random.nextInt(300));
                    CopyRows.copy(db, quiet.get(cycle), 5000);
                    Thread.sleep(random.nextInt(400));
                    run.sigkill();
                }
            }
            load.close();
            assertThat(load.failure()).isNull();
        }
        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0").awaitStreaming()) {
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            for (UUID p : quiet) {
                assertThat(db.lookup()).as("quiet partition " + p).containsKey(p);
            }
            Sidecar.Result verify = Sidecar.run(env, "verify");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(run.sigterm(15)).isZero();
        }
    }
}
