package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** verify: exit 0 pass, 1 fail naming the partitions, 2 cannot run; --json. */
class VerifyCliIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void verifyPassesThenNamesMissingAndStalePartitions() throws Exception {
        Sidecar.Result noTable = Sidecar.run(db.env(), "verify");
        assertThat(noTable.exitCode()).as(noTable.output()).isEqualTo(1);
        assertThat(noTable.output()).contains("✗ table").contains("partition_lookup does not exist: run `lookupkeeper install`");
        Sidecar.Result cannot = Sidecar.run(db.env(), "verify", "--queue-schema", "nosuchschema");
        assertThat(cannot.exitCode()).as(cannot.output()).isEqualTo(2);
        assertThat(cannot.output()).contains("cannot run").contains("nosuchschema.messages does not exist");

        List<UUID> partitions = db.createQueues("ver", 1, 50);
        try (CdcPipeline pipeline = new CdcPipeline(db.settings(), new PipelineStats())) {
            pipeline.start(Bootstrapper.ProgressSink.none());
            try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 0, 5, 0, 11)).start()) {
                Thread.sleep(1500);
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            // with the sidecar streaming, verify waits for its watermark
            Sidecar.Result pass = Sidecar.run(db.env(), "verify", "--json");
            assertThat(pass.exitCode()).as(pass.output()).isZero();
            JsonNode json = new ObjectMapper().readTree(pass.output().substring(pass.output().indexOf('{')));
            assertThat(json.get("passed").asBoolean()).isTrue();
            assertThat(json.get("point").asText()).startsWith("watermark");
            assertThat(json.get("checks")).extracting(c -> c.get("name").asText())
                    .containsExactly("table", "unique_key", "trigger", "queue trigger", "consistency", "slot", "publication", "missing", "stale", "phantom", "orphan", "skipped");
        }
        // sidecar stopped: break two rows by hand
        UUID missing = partitions.get(0);
        UUID stale = partitions.get(1);
        db.execute("DELETE FROM queen.partition_lookup WHERE partition_id = '" + missing + "'");
        db.execute("UPDATE queen.partition_lookup SET last_message_created_at = last_message_created_at - interval '1 hour'"
                + " WHERE partition_id = '" + stale + "'");
        Sidecar.Result fail = Sidecar.run(db.env(), "verify");
        assertThat(fail.exitCode()).as(fail.output()).isEqualTo(1);
        assertThat(fail.output()).contains("✗ missing").contains("ver-0/" + missing).contains("✗ stale").contains("ver-0/" + stale);
        Sidecar.Result failJson = Sidecar.run(db.env(), "verify", "--json");
        assertThat(failJson.exitCode()).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(failJson.output().substring(failJson.output().indexOf('{')));
        assertThat(json.get("passed").asBoolean()).isFalse();
        assertThat(check(json, "missing").get("count").asLong()).isEqualTo(1);
        assertThat(check(json, "stale").get("count").asLong()).isEqualTo(1);
        assertThat(check(json, "slot").get("passed").asBoolean()).as("the slot stays while the sidecar is down").isTrue();
    }

    static JsonNode check(JsonNode report, String name) {
        for (JsonNode c : report.get("checks")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + report);
    }
}
