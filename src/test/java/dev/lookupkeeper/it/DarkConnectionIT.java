package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.ChaosProxy;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.RetryingPusher;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every connection of the sidecar goes dark at once, as behind a NAT or load balancer that forgot
 * the flows: no reset, no byte, ever again; new connections go through. The sidecar notices (the
 * stream's silence bound, the JDBC connections' socket timeouts), drops the dead connections and
 * streams again on new ones within 30 s — the last write to a quiet partition, made after the
 * connections went dark, reaches the lookup — and SIGTERM stops it within 10 s with exit 0, also
 * while its connections are dark.
 */
class DarkConnectionIT {
    @RegisterExtension
    static final PgDatabase db = PgDatabase.onOwnCluster();

    @Test
    void streamsAgainAfterEveryConnectionWentDark() throws Exception {
        List<UUID> busy = db.createQueues("dark", 2, 20);
        UUID quiet = db.createQueues("darkquiet", 1, 1).get(0);
        db.push(quiet, 1);
        try (ChaosProxy proxy = new ChaosProxy(db.connection().host(), db.connection().port())) {
            Map<String, String> env = new HashMap<>(db.env());
            env.put("PGPORT", Integer.toString(proxy.port())); // every connection of the sidecar goes through the proxy
            try (Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "1000").awaitStreaming();
                 RetryingPusher pusher = new RetryingPusher(db.connection(), busy, 1)) {
                awaitQuietInLookup(quiet, Duration.ofSeconds(30));
                Thread.sleep(1000);

                int darkened = proxy.darken();
                long darkAt = System.nanoTime();
                assertThat(darkened).as("the sidecar's connections went dark").isGreaterThanOrEqualTo(2);
                Thread.sleep(200);
                db.push(quiet, 1); // the last write to this partition: only a stream that works again brings it
                awaitQuietInLookup(quiet, Duration.ofSeconds(30));
                long seconds = (System.nanoTime() - darkAt) / 1_000_000_000;
                System.err.println("[tests] streaming again " + seconds + " s after every connection went dark");
                assertThat(run.isAlive()).as(run.output()).isTrue();
                assertThat(run.output()).containsAnyOf("no answer from the server", "lost the connection to PostgreSQL");

                Thread.sleep(1000);
                pusher.close();
                assertThat(pusher.committed()).isPositive();
                db.awaitLookupEqualsOracle(Duration.ofSeconds(30));

                proxy.darken(); // SIGTERM while every connection is dark
                Thread.sleep(500);
                long before = System.nanoTime();
                int code = run.sigterm(10);
                assertThat(code).as("SIGTERM with dark connections: exit 0 within 10 s\n" + tail(run.output())).isZero();
                long stopMs = (System.nanoTime() - before) / 1_000_000;
                System.err.println("[tests] SIGTERM with dark connections: exited in " + stopMs + " ms");
                assertThat(run.output()).as("the orderly stop, not the 9 s backstop").contains("stopped cleanly")
                        .doesNotContain("did not stop within 9 s of the signal");
                assertThat(stopMs).isLessThan(9_000);
            }
        }
        db.assertLookupEqualsOracle();
        assertThat(Sidecar.run(db.env(), "verify").exitCode()).isZero();
    }

    /** Until the quiet partition's lookup row names its newest message. */
    private static void awaitQuietInLookup(UUID quiet, Duration atMost) throws Exception {
        UUID newest = db.oracle().get(quiet).messageId();
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> {
            PgDatabase.Pos p = db.lookup().get(quiet);
            return p != null && Objects.equals(p.messageId(), newest);
        });
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }
}
