package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Partitions deleted while their events are still in flight drop out; the batch does not fail. */
class PartitionDeletedIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void deletedPartitionsDoNotFailTheBatch() throws Exception {
        List<UUID> keep = db.createQueues("keep", 1, 100);
        List<UUID> doomed = db.createQueues("doomed", 1, 200);
        PipelineStats stats = new PipelineStats();
        try (CdcPipeline pipeline = new CdcPipeline(db.settings(), stats)) {
            pipeline.start(Bootstrapper.ProgressSink.none());
            try (PushLoad load = new PushLoad(db.connection(), keep, new PushLoad.Options(2, 0, 5, 0, 5)).start();
                 Connection c = db.connect()) {
                // push into a partition and delete it at once, many times: its insert events reach
                // the sink after the partition is gone
                for (UUID p : doomed) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                            + " SELECT 'tx-' || g, ?, '{}'::jsonb FROM generate_series(1, 3) g")) {
                        ps.setObject(1, p);
                        ps.executeUpdate();
                    }
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM queen.partitions WHERE id = ?")) {
                        ps.setObject(1, p);
                        ps.executeUpdate();
                    }
                }
                Thread.sleep(1000);
                assertThat(load.failure()).isNull();
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            assertThat(pipeline.isStreaming()).as("the stream survived the deletions").isTrue();
            assertThat(db.queryLong("SELECT count(*) FROM queen.partition_lookup WHERE queue_name = 'doomed-0'")).isZero();
            assertThat(stats.events()).isGreaterThanOrEqualTo(600);
        }
    }
}
