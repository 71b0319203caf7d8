package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.selection.PartitionSelector;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sidecar's in-memory selection (fed by its own change stream) answers exactly what the
 * queue's query answers on the database, once it has caught up, across randomized states.
 */
class MemorySelectionIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void memorySelectionEqualsTheQueuesQuery() throws Exception {
        Random r = new Random(777);
        db.createQueues("sel", 2, 150);
        db.execute("UPDATE queen.queues SET window_buffer = 30 WHERE name = 'sel-1'");
        SelectionIT.randomize(db, r);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_HTTP_PORT", Integer.toString(port));
        try (Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "1000").awaitOutput("selection served from memory")) {
            String base = "http://127.0.0.1:" + port + "/v1/queues/";
            for (int state = 0; state < 4; state++) {
                if (state > 0) {
                    SelectionIT.randomize(db, r);
                }
                for (String queue : List.of("sel-0", "sel-1", "nope")) {
                    for (String group : new String[] {null, "analytics"}) {
                        String url = base + queue + "/partitions?limit=" + PartitionSelector.MAX_LIMIT + (group == null ? "" : "&group=" + group);
                        String g = group == null ? PartitionSelector.DEFAULT_GROUP : group;
                        // the stream lags by milliseconds, and randomize() commits in several transactions: the set can
                        // agree while a later update (a cursor, last_consumed_at) is still on its way. Wait until both the
                        // set and the order agree; a model that stays wrong fails after 20 s with the last mismatch.
                        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                                .untilAsserted(() -> {
                                    List<SelectionIT.Row> truth = SelectionIT.verbatim(db, queue, g);
                                    List<UUID> served = list(get(url));
                                    assertThat(new HashSet<>(served)).isEqualTo(rowIds(truth));
                                    SelectionIT.assertOrdered(served, truth);
                                });
                        List<SelectionIT.Row> truth = SelectionIT.verbatim(db, queue, g);
                        List<UUID> top = list(get(base + queue + "/partitions?limit=10" + (group == null ? "" : "&group=" + group)));
                        assertThat(top).hasSize(Math.min(10, truth.size()));
                        List<PartitionSelector.Candidate> asCandidates = new ArrayList<>();
                        top.forEach(id -> asCandidates.add(new PartitionSelector.Candidate(id, "")));
                        SelectionIT.assertValidTopN(asCandidates, truth, 10);
                    }
                }
            }
            assertThat(run.sigterm(10)).isZero();
        }
        assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '%_selection'"))
                .as("no selection slot: the sidecar's one stream feeds the selection").isZero();
    }

    @Test
    void aModelTooBigForTheHeapIsServedBySqlWithAWarning() throws Exception {
        db.createQueues("huge", 1, 100_000);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_HTTP_PORT", Integer.toString(port));
        try (Sidecar run = Sidecar.startWithJvm(List.of("-Xmx64m"), env, "run", "--heartbeat-ms", "1000", "--replay-window", "0")
                .awaitOutput("the selection is served by SQL: the in-memory model would need about")) {
            run.awaitStreaming();
            assertThat(run.output()).contains("run with -Xmx").doesNotContain("OutOfMemoryError");
            assertThat(list(get("http://127.0.0.1:" + port + "/v1/queues/sel-0/partitions?limit=5"))).hasSizeLessThanOrEqualTo(5);
            assertThat(run.output()).doesNotContain("selection served from memory");
            assertThat(run.sigterm(10)).isZero();
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static List<UUID> list(String json) throws Exception {
        List<UUID> out = new ArrayList<>();
        for (JsonNode n : new ObjectMapper().readTree(json)) {
            out.add(UUID.fromString(n.get("id").asText()));
        }
        return out;
    }

    private static Set<UUID> rowIds(List<SelectionIT.Row> rows) {
        Set<UUID> s = new HashSet<>();
        rows.forEach(x -> s.add(x.id()));
        return s;
    }
}
