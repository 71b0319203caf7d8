package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.QueensTrigger;
import dev.lookupkeeper.testing.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The queue's own lookup trigger (Queen 0.6.9 re-creates trg_update_partition_lookup at every
 * server start) is recognized: status and verify report it, verify fails on it in CDC mode, and
 * `run --drop-queue-trigger` (or the config key) drops it at start and again when it comes back.
 */
class QueueTriggerIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private static void createQueensTrigger() throws Exception {
        QueensTrigger.create(db);
    }

    private static long queensTriggers() throws Exception {
        return db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'trg_update_partition_lookup'");
    }

    @Test
    void reportedByStatusAndVerifyAndDroppedWhenAsked() throws Exception {
        db.createQueues("qt", 1, 10);
        Map<String, String> env = new HashMap<>(db.env());
        assertThat(Sidecar.run(env, "install").exitCode()).isZero();
        // installed in CDC mode; then the queue's server starts (again) and creates its trigger
        createQueensTrigger();
        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0").awaitStreaming()) {
            run.awaitOutput("the queue's own trigger trg_update_partition_lookup");
            db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'a' || id, id, '{}' FROM queen.partitions");
            Sidecar.Result status = Sidecar.run(env, "status");
            assertThat(status.output()).contains("queue trigger: trg_update_partition_lookup (queen.update_partition_lookup_trigger)")
                    .contains("writes partition_lookup on every push");
            com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Sidecar.run(env, "status", "--json").output());
            assertThat(json.at("/queue_triggers/0/name").asText()).isEqualTo("trg_update_partition_lookup");
            Sidecar.Result verify = Sidecar.run(env, "verify");
            assertThat(verify.exitCode()).as(verify.output()).isEqualTo(1);
            assertThat(verify.output()).contains("✗ queue trigger");
            assertThat(queensTriggers()).as("without the option the trigger stays").isEqualTo(1);
            assertThat(run.sigterm(30)).isZero();
        }

        Path config = Files.createTempFile("lk-", ".yaml");
        Files.writeString(config, "drop-queue-trigger: true\n");
        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0", "--config", config.toString()).awaitStreaming()) {
            run.awaitOutput("dropped the queue's trigger trg_update_partition_lookup");
            assertThat(queensTriggers()).isZero();
            // the queue's server restarts and creates it again
            createQueensTrigger();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queensTriggers() == 0);
            db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'b' || id, id, '{}' FROM queen.partitions");
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            Sidecar.Result verify = Sidecar.run(env, "verify");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output()).contains("✓ queue trigger");
            assertThat(run.sigterm(30)).isZero();
        } finally {
            Files.deleteIfExists(config);
        }
    }
}
