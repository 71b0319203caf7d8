package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sidecar's HTTP API: selection, health (ready stays 200 on an idle queue), metrics moving under load. */
class HttpApiIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void selectionHealthAndMetrics() throws Exception {
        List<UUID> partitions = db.createQueues("web", 1, 50);
        int port = freePort();
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_HTTP_PORT", Integer.toString(port));
        try (Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "1000").awaitStreaming()) {
            String base = "http://127.0.0.1:" + port;
            assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get(base + "/health/ready").statusCode() == 200);
            long lagCountBefore = metric(get(base + "/metrics").body(), "lookupkeeper_lag_seconds_count");

            try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 500, 5, 0, 3)).start()) {
                Thread.sleep(2000);
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(20));
            String metrics = get(base + "/metrics").body();
            assertThat(metric(metrics, "lookupkeeper_lag_seconds_count")).as("lag histogram moves under load").isGreaterThan(lagCountBefore + 500);
            assertThat(metrics).contains("lookupkeeper_lag_seconds_bucket").contains("lookupkeeper_events_total")
                    .contains("lookupkeeper_slot_lag_bytes").contains("lookupkeeper_mode_cdc 1.0").contains("lookupkeeper_streaming 1.0");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).alias("the replay window's retained WAL is reported")
                    .until(() -> metric(get(base + "/metrics").body(), "lookupkeeper_replay_window_retained_wal_bytes") > 0);

            HttpResponse<String> sel = get(base + "/v1/queues/web-0/partitions?limit=7");
            assertThat(sel.statusCode()).isEqualTo(200);
            JsonNode arr = new ObjectMapper().readTree(sel.body());
            assertThat(arr).hasSize(7);
            Sidecar.Result cli = Sidecar.run(db.env(), "select", "--queue", "web-0", "--limit", "7", "--json");
            assertThat(new ObjectMapper().readTree(cli.output().substring(cli.output().indexOf('[')))).isEqualTo(arr);
            assertThat(get(base + "/v1/queues/no-such/partitions").body()).isEqualTo("[]");
            HttpResponse<String> bad = get(base + "/v1/queues/web-0/partitions?limit=1000000");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(new ObjectMapper().readTree(bad.body()).get("error").asText()).contains("over this API's cap of 10000");
            assertThat(get(base + "/v1/queues/web-0/partitions?limit=abc").statusCode()).isEqualTo(400);
            assertThat(get(base + "/v1/queues/web-0/partitions?group=analytics").statusCode()).isEqualTo(200);

            // idle past readiness's 30 s bound: it holds because heartbeats keep going through the slot
            long until = System.currentTimeMillis() + 36_000;
            while (System.currentTimeMillis() < until) {
                HttpResponse<String> ready = get(base + "/health/ready");
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                Thread.sleep(1000);
            }
            assertThat(run.sigterm(10)).isZero();
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long metric(String body, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(body);
        long total = 0;
        while (m.find()) {
            total += (long) Double.parseDouble(m.group(2));
        }
        return total;
    }

    /** --http-bind and a bearer token: /v1/* answers 401 without it and 200 with it; probes stay open; the token is never printed. */
    @Test
    void bindAndToken() throws Exception {
        db.createQueues("tok", 1, 3); // CDC mode, as the other test of this class expects the database
        String token = UUID.randomUUID().toString().replace("-", "") + "Zq";
        java.nio.file.Path file = java.nio.file.Files.createTempFile("token-", ".txt");
        java.nio.file.Files.writeString(file, token + "\n");
        int port = freePort();
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_HTTP_PORT", Integer.toString(port));
        try (Sidecar run = Sidecar.start(env, "run", "--http-bind", "127.0.0.1", "--http-token-file", file.toString(), "--log-format", "json")
                .awaitOutput("bearer token required")) {
            String url = "http://127.0.0.1:" + port + "/v1/queues/tok-0/partitions";
            HttpResponse<String> none = get(url);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(send(url, "Bearer not-the-token-at-all")).isEqualTo(401);
            assertThat(send(url, "Bearer " + token)).isEqualTo(200);
            assertThat(get("http://127.0.0.1:" + port + "/health/live").statusCode()).isEqualTo(200);
            assertThat(get("http://127.0.0.1:" + port + "/metrics").statusCode()).isEqualTo(200);
            // the listener is on loopback only: another address of this host is refused
            java.net.InetAddress other = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(n -> java.util.Collections.list(n.getInetAddresses()).stream())
                    .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress()).findFirst().orElse(null);
            if (other != null) {
                try (java.net.Socket sock = new java.net.Socket()) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> sock.connect(new java.net.InetSocketAddress(other, port), 2000))
                            .isInstanceOf(java.io.IOException.class);
                }
            }
            assertThat(run.sigterm(10)).isZero();
            assertThat(run.output()).doesNotContain(token);
        }
        // a token too short to be one is refused at start, naming where it came from
        Map<String, String> weak = new HashMap<>(env);
        weak.put("LOOKUPKEEPER_HTTP_TOKEN", "secret");
        Sidecar.Result r = Sidecar.run(weak, "run");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("LOOKUPKEEPER_HTTP_TOKEN").contains("shorter than 16").doesNotContain("secret'");
    }

    private int send(String url, String authorization) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
