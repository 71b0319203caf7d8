package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lookupkeeper.testing.ChaosProxy;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.RetryingPusher;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sidecar rides through what a database and a network do: PostgreSQL restarted with
 * `-m immediate` under pushes, and every connection cut or stalled by a proxy mid-stream. It never
 * exits, stays live, is not ready while it cannot stream, is ready again within 10 s of the server
 * accepting connections, and the lookup ends equal to the truth.
 */
class RideThroughIT {
    @RegisterExtension
    static final PgDatabase db = PgDatabase.onOwnCluster();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void immediateRestartsUnderPushes() throws Exception {
        assumeTrue(db.cluster().canRestart(), "this cluster cannot be restarted by the tests");
        List<UUID> partitions = db.createQueues("rt", 2, 100);
        int port = freePort();
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_HTTP_PORT", Integer.toString(port));
        String base = "http://127.0.0.1:" + port;
        AtomicBoolean probing = new AtomicBoolean(true);
        AtomicInteger notLive = new AtomicInteger();
        AtomicInteger notReady = new AtomicInteger();
        try (Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "1000").awaitStreaming();
             RetryingPusher pusher = new RetryingPusher(db.connection(), partitions, 1)) {
            awaitReady(base, Duration.ofSeconds(20));
            Thread prober = new Thread(() -> {
                while (probing.get()) {
                    if (status(base + "/health/live") != 200) {
                        notLive.incrementAndGet();
                    }
                    if (status(base + "/health/ready") == 503) {
                        notReady.incrementAndGet();
                    }
                    sleep(50);
                }
            });
            prober.start();
            for (int i = 1; i <= 3; i++) {
                Thread.sleep(2500);
                long before = pusher.committed();
                db.cluster().restart(true); // returns once the server accepts connections again
                long acceptingAt = System.nanoTime();
                awaitReady(base, Duration.ofSeconds(10));
                long readyMs = (System.nanoTime() - acceptingAt) / 1_000_000;
                System.err.println("[tests] restart " + i + ": ready " + readyMs + " ms after PostgreSQL accepted connections");
                assertThat(readyMs).as("ready again within 10 s of restart " + i).isLessThan(10_000);
                assertThat(run.isAlive()).as("the sidecar never exits:\n" + run.output()).isTrue();
                assertThat(pusher.committed()).isGreaterThan(before);
            }
            Thread.sleep(2000);
            probing.set(false);
            prober.join();
            pusher.close();
            assertThat(pusher.failures()).as("the restarts hit the pushes too").isPositive();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            assertThat(notLive.get()).as("/health/live stays 200 throughout").isZero();
            assertThat(notReady.get()).as("/health/ready said 503 while PostgreSQL was down").isPositive();
            assertThat(run.output()).contains("reconnected to PostgreSQL");
            assertThat(run.isAlive()).isTrue();
            assertThat(run.sigterm(15)).isZero();
        } finally {
            probing.set(false);
        }
        assertThat(Sidecar.run(db.env(), "verify").exitCode()).isZero();
    }

    @Test
    void connectionsCutAndStalledMidStream() throws Exception {
        List<UUID> partitions = db.createQueues("cut", 2, 50);
        int port = freePort();
        try (ChaosProxy proxy = new ChaosProxy(db.connection().host(), db.connection().port())) {
            Map<String, String> env = new HashMap<>(db.env());
            env.put("PGPORT", Integer.toString(proxy.port())); // the sidecar's every connection goes through the proxy
            env.put("LOOKUPKEEPER_HTTP_PORT", Integer.toString(port));
            String base = "http://127.0.0.1:" + port;
            try (Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "1000").awaitStreaming();
                 RetryingPusher pusher = new RetryingPusher(db.connection(), partitions, 0)) {
                awaitReady(base, Duration.ofSeconds(20));
                Thread.sleep(2000);
                long checkpointBefore = checkpoint();
                int connectionsBefore = proxy.accepted();
                proxy.cut(); // batches are in flight at this push rate: the sink's, the stream's and the control connections all drop
                long cutAt = System.nanoTime();
                // readiness may still say 200 before the sidecar has noticed the cut: its new connections first,
                // then ready — both within the 20 s from the cut
                Awaitility.await().atMost(Duration.ofSeconds(20)).alias("the sidecar connected again")
                        .until(() -> proxy.accepted() > connectionsBefore);
                long leftMs = 20_000 - (System.nanoTime() - cutAt) / 1_000_000;
                awaitReady(base, Duration.ofMillis(Math.max(200, leftMs))); // Awaitility needs more than its 100 ms first delay
                Thread.sleep(2000);
                assertThat(checkpoint()).as("the checkpoint never moves back").isGreaterThanOrEqualTo(checkpointBefore);

                proxy.stall(true); // a network that hangs: nothing moves, nothing closes
                Thread.sleep(8000);
                assertThat(run.isAlive()).isTrue();
                assertThat(status(base + "/health/live")).isEqualTo(200);
                proxy.stall(false);
                awaitReady(base, Duration.ofSeconds(30));
                Thread.sleep(2000);
                pusher.close();
                assertThat(pusher.committed()).isGreaterThan(500);
                db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
                assertThat(run.isAlive()).as(run.output()).isTrue();
                assertThat(run.output()).containsAnyOf("stream interrupted", "lost the connection to PostgreSQL");
                assertThat(run.sigterm(15)).isZero();
            }
        }
        assertThat(Sidecar.run(db.env(), "verify").exitCode()).isZero();
    }

    private long checkpoint() throws Exception {
        return db.queryLong("SELECT coalesce(pg_wal_lsn_diff(checkpoint_lsn, '0/0'), 0)::bigint FROM lookupkeeper.streams WHERE stream = 'main'");
    }

    private void awaitReady(String base, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> status(base + "/health/ready") == 200);
    }

    private int status(String url) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
