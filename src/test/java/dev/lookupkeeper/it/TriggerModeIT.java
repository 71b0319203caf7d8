package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Trigger mode under 8 concurrent writers equals the truth, without a deadlock. */
class TriggerModeIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void triggerModeKeepsTheLookupExactWithoutDeadlocks() throws Exception {
        List<UUID> partitions = db.createQueues("trg", 2, 500);
        // messages before the install: the backfill after the trigger covers them
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " SELECT 'pre-' || p.id, p.id, '{}'::jsonb FROM queen.partitions p WHERE random() < 0.5");
        Sidecar.Result install = Sidecar.run(db.env(), "install", "--mode", "trigger");
        assertThat(install.exitCode()).as(install.output()).isZero();
        assertThat(install.output()).contains("trigger lookupkeeper_partition_lookup: created").contains("installed (mode trigger)");
        db.assertLookupEqualsOracle();

        long deadlocksBefore = db.queryLong("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
        // a hot set: 8 writers on 20 partitions of 20-row pushes, all writing the same lookup rows
        try (PushLoad load = new PushLoad(db.connection(), partitions.subList(0, 20), new PushLoad.Options(8, 0, 20, 2, 31)).start();
             PushLoad wide = new PushLoad(db.connection(), partitions, new PushLoad.Options(4, 0, 5, 0, 32)).start()) {
            Thread.sleep(6000);
            assertThat(load.failure()).isNull();
            assertThat(wide.failure()).isNull();
            assertThat(load.pushes()).isGreaterThan(100);
        }
        // synchronous: equal at once, no waiting for a stream
        db.assertLookupEqualsOracle();
        assertThat(db.queryLong("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")).isEqualTo(deadlocksBefore);

        Sidecar.Result verify = Sidecar.run(db.env(), "verify", "--json");
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        Sidecar.Result status = Sidecar.run(db.env(), "status", "--json");
        assertThat(status.exitCode()).as(status.output()).isZero();
        JsonNode s = new ObjectMapper().readTree(status.output().substring(status.output().indexOf('{')));
        assertThat(s.get("mode").asText()).isEqualTo("trigger");
        assertThat(s.get("trigger").get("present").asBoolean()).isTrue();
        assertThat(s.get("trigger").get("statement_level").asBoolean()).isTrue();
        assertThat(s.get("slot").get("present").asBoolean()).isFalse();
        // install --mode trigger again: idempotent
        Sidecar.Result again = Sidecar.run(db.env(), "install", "--mode", "trigger");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("trigger lookupkeeper_partition_lookup: exists");
    }
}
