package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A bootstrap killed mid-backfill resumes from its cursor on the same slot and ends complete. */
class BootstrapResumeIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void killedBackfillResumesWhereItStopped() throws Exception {
        db.createQueues("resume", 4, 5000);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " SELECT 'pre-' || p.id || '-' || g, p.id, '{}'::jsonb FROM queen.partitions p, generate_series(1, 3) g");
        long doneAtKill;
        try (Sidecar first = Sidecar.start(db.env(), "run", "--backfill-chunk", "10")) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(5)).until(() ->
                    !first.isAlive() || db.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'lookupkeeper'") == 1
                            && db.queryLong("SELECT coalesce(max(backfill_rows), 0) FROM lookupkeeper.streams WHERE stream = 'main' AND bootstrap_status = 'backfilling'") >= 2000);
            first.sigkill();
            assertThat(first.output()).contains("slot " + db.name() + " created");
            doneAtKill = db.queryLong("SELECT backfill_rows FROM lookupkeeper.streams WHERE stream = 'main'");
            assertThat(db.queryLong("SELECT count(*) FROM lookupkeeper.streams WHERE stream = 'main' AND bootstrap_status = 'backfilling'"))
                    .as("killed mid-backfill\n" + first.output()).isEqualTo(1);
        }
        assertThat(doneAtKill).isBetween(2000L, 19_999L);
        // pushes while nobody streams: the slot created before the backfill keeps them
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " SELECT 'gap-' || p.id, p.id, '{}'::jsonb FROM queen.partitions p WHERE random() < 0.1");
        try (Sidecar second = Sidecar.start(db.env(), "run", "--backfill-chunk", "500").awaitStreaming()) {
            assertThat(second.output()).contains("backfill resumes after partition").doesNotContain("creating replication slot");
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            assertThat(second.sigterm(10)).isZero();
        }
        assertThat(db.queryLong("SELECT count(*) FROM lookupkeeper.streams WHERE stream = 'main' AND bootstrap_status = 'done'")).isEqualTo(1);
        assertThat(db.queryLong("SELECT count(*) FROM queen.partition_lookup")).isEqualTo(20_000);
    }
}
