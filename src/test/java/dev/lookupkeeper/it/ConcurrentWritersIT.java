package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.check.Verifier;
import dev.lookupkeeper.operations.check.VerifyReport;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** 8 writers over 1,000 partitions, multi-row pushes, commits out of created_at order. */
class ConcurrentWritersIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void lookupEqualsTheTruthAfterConcurrentOutOfOrderPushes() throws Exception {
        List<UUID> partitions = db.createQueues("cw", 2, 500);
        PipelineStats stats = new PipelineStats();
        try (CdcPipeline pipeline = new CdcPipeline(db.settings(), stats)) {
            pipeline.start(Bootstrapper.ProgressSink.none());
            // up to 20 rows per push sharing one created_at; up to 8 ms between insert and commit,
            // so later created_at values often commit first
            try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(8, 0, 20, 8, 1234)).start()) {
                Thread.sleep(8_000);
                assertThat(load.failure()).isNull();
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            assertThat(stats.events()).as("events went through the stream, not only the backfill").isGreaterThan(1000);
            assertThat(db.oracle()).as("most partitions were written").hasSizeGreaterThan(900);
            VerifyReport report;
            try (Connection c = db.connect()) {
                report = new Verifier(db.settings(), 10).verify(c, Duration.ofSeconds(30));
            }
            assertThat(report.passed()).as(report.toString()).isTrue();
            assertThat(report.point()).startsWith("watermark");
            assertThat(pipeline.isStreaming()).isTrue();
        }
    }
}
