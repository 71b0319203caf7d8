package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One leader, by lock: a standby never bootstraps while the leader lives (the slot is inactive during
 * the whole backfill, so judging by the slot let it start a second one), takes over within 2 s of
 * the leader's death, and `status` lists both instances with one leader, without flapping.
 */
class LeaderIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private static final String BACKFILL_START = "backfill: newest message of";
    private static final String BACKFILL_RESUME = "backfill resumes after";
    private static final String BACKFILL_DONE = "backfill done";

    @Test
    void leaderKilledDuringItsBackfillWithAStandby() throws Exception {
        List<UUID> partitions = db.createQueues("ld", 1, 4000);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'ld-' || p.id, p.id, '{}'"
                + " FROM queen.partitions p");
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_BACKFILL_CHUNK", "100");
        // the leader: 40 chunks of 100 partitions, 800 ms each, a backfill of about 32 s to kill in the middle of;
        // the standby finishes what is left quickly
        Map<String, String> slow = new HashMap<>(env);
        slow.put("LOOKUPKEEPER_FAILPOINT_PAUSE", "backfill-chunk:800");
        env.put("LOOKUPKEEPER_FAILPOINT_PAUSE", "backfill-chunk:20");
        try (Sidecar first = Sidecar.start(slow, "run").awaitOutput(BACKFILL_START);
             Sidecar second = Sidecar.start(env, "run").awaitOutput("standby: another process leads")) {
            // status while both run: two instances, the first leads; asked five times, the answer does not flap
            Set<String> leaders = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                JsonNode status = status();
                assertThat(status.get("instances")).hasSize(2);
                leaders.add(status.get("leader").asText());
                Thread.sleep(150);
            }
            assertThat(leaders).hasSize(1);
            assertThat(leaders.iterator().next()).contains("/" + first.pid() + "/");
            status().get("instances").forEach(i -> assertThat(Math.abs(i.get("clock_offset_ms").asLong()))
                    .as("the database's clock against the process's, one host").isLessThan(1000));
            assertThat(second.output()).doesNotContain(BACKFILL_START).doesNotContain(BACKFILL_RESUME);
            assertThat(first.output()).as(second.output()).doesNotContain(BACKFILL_DONE);

            first.sigkill();
            long killedAt = System.nanoTime();
            second.awaitOutput("taking over");
            long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
            second.awaitStreaming();
            assertThat(takeoverMs).as("the standby leads within 2 s of the leader's death").isLessThan(2000);

            // one bootstrap completes, and it ran only after the first process died: never two at once
            assertThat(count(first.output(), BACKFILL_DONE)).isZero();
            assertThat(count(second.output(), BACKFILL_DONE)).isEqualTo(1);
            assertThat(count(second.output(), BACKFILL_START) + count(second.output(), BACKFILL_RESUME)).isEqualTo(1);
            assertThat(second.output().indexOf("taking over")).isLessThan(second.output().indexOf(BACKFILL_DONE));
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            assertThat(db.lookup()).hasSize(partitions.size());

            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                JsonNode status = status();
                assertThat(status.get("leader").asText()).contains("/" + second.pid() + "/");
                List<String> roles = new ArrayList<>();
                status.get("instances").forEach(i -> roles.add(i.get("role").asText()));
                assertThat(roles).containsExactlyInAnyOrder("leader", "gone");
            });
            assertThat(second.sigterm(15)).isZero();
        }
        JsonNode after = status();
        assertThat(after.get("instances")).as("a clean stop removes the instance's row; the killed one's stays as gone").hasSize(1);
        assertThat(after.get("instances").get(0).get("role").asText()).isEqualTo("gone");
    }

    private static JsonNode status() throws Exception {
        Sidecar.Result r = Sidecar.run(db.env(), "status", "--json");
        assertThat(r.exitCode()).as(r.output()).isZero();
        return new ObjectMapper().readTree(r.output().substring(r.output().indexOf('{')));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
