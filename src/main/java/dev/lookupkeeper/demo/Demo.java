package dev.lookupkeeper.demo;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.check.Verifier;
import dev.lookupkeeper.operations.check.VerifyReport;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.EmbeddedServer;
import dev.lookupkeeper.selection.PartitionSelector;
import dev.lookupkeeper.sidecar.CdcPipeline;
import java.io.PrintStream;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.HdrHistogram.Histogram;

/** The main job on an embedded default: what `lookupkeeper demo` runs. */
public final class Demo {
    private final int durationSeconds;
    private final int partitionsPerQueue;
    private final double rate;
    private final int writers;
    private final PrintStream out;

    public Demo(int durationSeconds, int partitionsPerQueue, double rate, int writers, PrintStream out) {
        this.durationSeconds = durationSeconds;
        this.partitionsPerQueue = partitionsPerQueue;
        this.rate = rate;
        this.writers = writers;
        this.out = out;
    }

    public boolean run() throws Exception {
        out.println("starting an embedded PostgreSQL 17 (wal_level=logical)...");
        try (EmbeddedServer server = EmbeddedServer.start()) {
            ConnectionSettings conn = server.connection();
            Settings settings = new SettingsLoader(Map.of()).load(null, Map.of()).withConnection(conn);
            List<UUID> partitions;
            try (Connection c = Database.connect(conn, "lookupkeeper-demo")) {
                QueenFixture.createSchema(c);
                partitions = QueenFixture.createQueues(c, "demo", 3, partitionsPerQueue);
            }
            out.printf("queen schema ready: 3 queues x %d partitions on port %d%n", partitionsPerQueue, conn.port());
            PushLoad.Options load = new PushLoad.Options(writers, rate, 10, 3, 42);
            // a backlog before the sidecar starts, so the bootstrap has something to backfill
            try (PushLoad warmup = new PushLoad(conn, partitions, load).start()) {
                Thread.sleep(1000);
            }
            PipelineStats stats = new PipelineStats();
            try (CdcPipeline pipeline = new CdcPipeline(settings, stats)) {
                pipeline.start(Bootstrapper.ProgressSink.none());
                out.println("sidecar streaming; pushing for " + durationSeconds + " s with " + writers + " writers");
                PushLoad push = new PushLoad(conn, partitions, load).start();
                long lastWritten = 0;
                long lastEvents = 0;
                for (int s = 1; s <= durationSeconds; s++) {
                    Thread.sleep(1000);
                    long w = push.written();
                    long e = stats.events();
                    Histogram lag = stats.lagInterval();
                    out.printf("[%3ds] written %6d msg/s | applied %6d ev/s | lag p50 %4d ms p99 %4d ms | lookup rows changed %d%n",
                            s, w - lastWritten, e - lastEvents, lag.getValueAtPercentile(50), lag.getValueAtPercentile(99), stats.rowsChanged());
                    lastWritten = w;
                    lastEvents = e;
                    if (push.failure() != null) {
                        throw new IllegalStateException("a writer failed: " + push.failure().getMessage(), push.failure());
                    }
                }
                push.close();
                Histogram total = stats.lagTotal();
                out.printf("pushed %d messages in %d pushes; lag over the run p50 %d ms, p99 %d ms, max %d ms%n",
                        push.written(), push.pushes(), total.getValueAtPercentile(50), total.getValueAtPercentile(99), total.getMaxValue());
                VerifyReport report;
                try (Connection c = Database.connect(conn, "lookupkeeper-demo-verify")) {
                    report = new Verifier(settings, 10).verify(c, Duration.ofSeconds(30));
                }
                out.println("verify: " + (report.passed() ? "PASS" : "FAIL") + " (" + report.point() + ")");
                for (VerifyReport.Check ch : report.checks()) {
                    out.printf("  %s %-8s %d  %s%n", ch.passed() ? "✓" : "✗", ch.name(), ch.count(), ch.detail());
                    ch.partitions().forEach(p -> out.println("      " + p));
                }
                try (HikariDataSource ds = Database.pool(conn, "lookupkeeper-demo-select", 1)) {
                    List<PartitionSelector.Candidate> first = new PartitionSelector(ds, settings).candidates("demo-0", null, 5);
                    out.println("first selection candidates of queue demo-0:");
                    first.forEach(cand -> out.println("  " + cand.name() + "  " + cand.id()));
                }
                return report.passed();
            }
        }
    }
}
