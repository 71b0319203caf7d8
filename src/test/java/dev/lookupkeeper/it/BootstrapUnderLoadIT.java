package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.sidecar.StreamSource;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Messages exist before the first run and pushes continue during the bootstrap: the result equals
 * the truth, and no writer ever waits on a lock held by lookupkeeper.
 */
class BootstrapUnderLoadIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "debezium"})
    void bootstrapUnderLoadHasNoGapAndBlocksNoWriter(String source) throws Exception {
        String prefix = "boot-" + source;
        List<UUID> partitions = db.createQueues(prefix, 4, 2500);
        // a backlog of 200,000 messages over 10,000 partitions before this bootstrap
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload, created_at)"
                + " SELECT 'pre-' || p.id || '-' || g, p.id, '{}'::jsonb, now() - (g || ' seconds')::interval"
                + " FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id, generate_series(1, 20) g"
                + " WHERE q.name LIKE '" + prefix + "-%'");
        // small chunks make the backfill long enough to sample the writers while it runs; each
        // source bootstraps a slot of its own
        Settings settings = new dev.lookupkeeper.config.SettingsLoader(Map.of())
                .load(null, Map.of("slot", db.slot(source), "backfill-chunk", "25")).withConnection(db.connection());
        List<String> blocked = new CopyOnWriteArrayList<>();
        AtomicInteger samples = new AtomicInteger();
        AtomicInteger writerSamples = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(4, 0, 10, 2, 77)).start()) {
            Thread sampler = new Thread(() -> sample(sampling, samples, writerSamples, blocked));
            sampler.start();
            PipelineStats stats = new PipelineStats();
            try (CdcPipeline pipeline = new CdcPipeline(settings, StreamTarget.main(settings), stats,
                    new CdcPipeline.Options(StreamSource.parse(source), true, null))) {
                pipeline.start(Bootstrapper.ProgressSink.none());
                sampling.set(false);
                sampler.join();
                Thread.sleep(2000);
                load.close();
                assertThat(load.failure()).isNull();
                db.awaitLookupEqualsOracle(Duration.ofSeconds(90));
                assertThat(stats.events()).as("pushes during and after the bootstrap were streamed").isPositive();
            }
        }
        assertThat(samples.get()).as("pg_stat_activity was sampled during the bootstrap").isGreaterThan(20);
        assertThat(writerSamples.get()).as("writers were active while sampling").isPositive();
        assertThat(blocked).as("writers blocked by a lookupkeeper session").isEmpty();
        assertThat(db.queryLong("SELECT count(*) FROM queen.partition_lookup WHERE queue_name LIKE '" + prefix + "-%'")).isEqualTo(10_000);
    }

    /** Records every writer found waiting on a lock whose blocker is a lookupkeeper session. */
    private static void sample(AtomicBoolean running, AtomicInteger samples, AtomicInteger writerSamples, List<String> blocked) {
        String sql = "SELECT w.pid, w.wait_event_type, w.wait_event, b.application_name"
                + " FROM pg_stat_activity w"
                + " LEFT JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid) ON true"
                + " LEFT JOIN pg_stat_activity b ON b.pid = bp.pid"
                + " WHERE w.application_name = 'lookupkeeper-pushload' AND w.datname = current_database()";
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            while (running.get()) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        writerSamples.incrementAndGet();
                        String blocker = rs.getString(4);
                        if (blocker != null && blocker.startsWith("lookupkeeper") && !blocker.equals("lookupkeeper-pushload")) {
                            blocked.add("writer " + rs.getInt(1) + " waits on " + rs.getString(2) + "/" + rs.getString(3) + " held by " + blocker);
                        }
                    }
                }
                samples.incrementAndGet();
                Thread.sleep(2);
            }
        } catch (Exception e) {
            blocked.add("sampler failed: " + e);
        }
    }
}
