package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Retention, continuously healed: the newest messages of 1,000 partitions are deleted (100 of them
 * emptied) while 4 writers push elsewhere. Once the stream passes a watermark the lookup equals the
 * truth — no phantoms, no rows for emptied partitions — and the selection never offers an emptied
 * partition. Then a TRUNCATE of the messages empties the lookup. Both sources: Debezium's deletes
 * and truncates reach the same sink as the native reader's.
 */
class PhantomHealIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "debezium"})
    void deletesOfNewestMessagesAreHealedInTheStream(String source) throws Exception {
        Map<String, String> env = db.env(source);
        List<UUID> retained = db.createQueues("ret-" + source, 2, 500);
        List<UUID> pushed = db.createQueues("ret-live-" + source, 1, 100);
        String ids = String.join(",", retained.stream().map(u -> "'" + u + "'").toList());
        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0").awaitStreaming()) {
            // three messages per retained partition, a millisecond apart
            db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload, created_at)"
                    + " SELECT 'r-' || p || '-' || g, p, '{}', now() - interval '1 minute' + g * interval '1 millisecond'"
                    + " FROM unnest(ARRAY[" + ids + "]::uuid[]) p, generate_series(1, 3) g");
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            try (PushLoad load = new PushLoad(db.connection(), pushed, new PushLoad.Options(4, 2000, 10, 2, 5)).start()) {
                for (int i = 0; i < retained.size(); i += 100) {
                    List<UUID> chunk = retained.subList(i, i + 100);
                    String in = String.join(",", chunk.stream().map(u -> "'" + u + "'").toList());
                    // the newest message of each partition, as retention would
                    db.execute("DELETE FROM queen.messages m USING (SELECT DISTINCT ON (partition_id) id FROM queen.messages"
                            + " WHERE partition_id IN (" + in + ") ORDER BY partition_id, created_at DESC, id DESC) newest WHERE m.id = newest.id");
                    // and every message of the chunk's first ten
                    db.execute("DELETE FROM queen.messages WHERE partition_id IN (" + String.join(",",
                            chunk.subList(0, 10).stream().map(u -> "'" + u + "'").toList()) + ")");
                }
                Thread.sleep(500);
                load.close();
                assertThat(load.failure()).isNull();
            }
            Sidecar.Result verify = Sidecar.run(env, "verify", "--json");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(10));
            Set<UUID> emptied = new HashSet<>();
            for (int i = 0; i < retained.size(); i += 100) {
                emptied.addAll(retained.subList(i, i + 10));
            }
            assertThat(db.lookup().keySet()).doesNotContainAnyElementsOf(emptied);
            for (String queue : List.of("ret-" + source + "-0", "ret-" + source + "-1")) {
                Sidecar.Result select = Sidecar.run(env, "select", "--queue", queue, "--limit", "10000", "--json");
                assertThat(select.exitCode()).as(select.output()).isZero();
                JsonNode candidates = new ObjectMapper().readTree(select.output().substring(select.output().indexOf('[')));
                assertThat(candidates.size()).isEqualTo(450);
                for (JsonNode c : candidates) {
                    assertThat(emptied).doesNotContain(UUID.fromString(c.get("id").asText()));
                }
            }
            db.execute("TRUNCATE queen.messages");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> db.lookup().isEmpty());
            assertThat(run.sigterm(15)).isZero();
        }
    }
}
