package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two sidecars on one database: one streams, one waits; SIGKILL the active one and the other takes over. */
class StandbyIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "debezium"})
    void standbyTakesOverAfterTheActiveSidecarIsKilled(String source) throws Exception {
        Map<String, String> env = db.env(source);
        List<UUID> partitions = db.createQueues("sb-" + source, 2, 200);
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger maxStreamers = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                try {
                    long n = db.queryLong("SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
                            + " WHERE s.database = current_database()");
                    maxStreamers.accumulateAndGet((int) n, Math::max);
                    samples.incrementAndGet();
                    Thread.sleep(20);
                } catch (Exception e) {
                    return;
                }
            }
        });
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(4, 1500, 10, 2, 9)).start();
             Sidecar first = Sidecar.start(env, "run").awaitStreaming()) {
            sampler.start();
            try (Sidecar second = Sidecar.start(env, "run").awaitOutput("standby: another process leads")) {
                Thread.sleep(2000);
                assertThat(second.output()).doesNotContain("streaming from slot");
                first.sigkill();
                long t = System.nanoTime();
                second.awaitOutput("taking over");
                second.awaitStreaming();
                long ms = (System.nanoTime() - t) / 1_000_000;
                assertThat(ms).as("takeover time").isLessThan(15_000);
                Thread.sleep(2000);
                load.close();
                assertThat(load.failure()).isNull();
                db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
                assertThat(second.sigterm(10)).isZero();
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertThat(samples.get()).isGreaterThan(50);
        assertThat(maxStreamers.get()).as("never two streamers").isEqualTo(1);
    }
}
