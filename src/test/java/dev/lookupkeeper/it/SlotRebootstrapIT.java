package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The slot's life is lookupkeeper's: a slot dropped under the stream, or dropped and re-created
 * by someone else while the sidecar is down, leaves a gap only the table can fill. The sidecar
 * bootstraps again (log line, metric) and the lookup equals the truth — including partitions
 * whose only messages were written while no slot existed.
 */
class SlotRebootstrapIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void aSlotDroppedWhileStreamingIsBootstrappedAgain() throws Exception {
        List<UUID> partitions = db.createQueues("gone", 2, 100);
        int port = freePort();
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_HTTP_PORT", Integer.toString(port));
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(4, 1000, 10, 3, 7)).start();
             Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "500", "--replay-window", "0").awaitStreaming()) {
            Thread.sleep(1000);
            db.dropSlotFromOutside();
            // pushes to quiet partitions while no slot exists: only a new backfill can see them
            List<UUID> quiet = db.createQueues("gone-quiet", 1, 20);
            for (UUID p : quiet) {
                db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('q-" + p + "', '" + p + "', '{}')");
            }
            run.awaitOutput("bootstrapping again");
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> run.output().split("streaming from slot", -1).length >= 3);
            assertThat(run.isAlive()).as(run.output()).isTrue();
            load.close();
            assertThat(load.failure()).isNull();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("lookupkeeper_rebootstraps_total(\\{[^}]*\\})? 1\\.0");
            assertThat(run.sigterm(15)).isZero();
        }
    }

    @Test
    void aSlotRecreatedBySomeoneElseWhileDownIsBootstrappedAgain() throws Exception {
        List<UUID> partitions = db.createQueues("moved", 1, 50);
        try (Sidecar run = Sidecar.start(db.env(), "run", "--replay-window", "0").awaitStreaming()) {
            for (UUID p : partitions) {
                db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('a-" + p + "', '" + p + "', '{}')");
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            assertThat(run.sigterm(15)).isZero();
        }
        db.execute("SELECT pg_drop_replication_slot('" + db.name() + "')");
        List<UUID> quiet = db.createQueues("moved-quiet", 1, 20);
        for (UUID p : quiet) {
            db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('b-" + p + "', '" + p + "', '{}')");
        }
        // someone else creates a slot of the same name: it starts after the writes above
        db.execute("SELECT pg_create_logical_replication_slot('" + db.name() + "', 'pgoutput')");
        try (Sidecar run = Sidecar.start(db.env(), "run", "--replay-window", "0").awaitStreaming()) {
            assertThat(run.output()).contains("past the stored checkpoint").contains("bootstrapping again");
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            assertThat(run.sigterm(15)).isZero();
        }
        // and with --on-slot-lost exit, the same finding ends the process instead (exit 6)
        db.execute("SELECT pg_drop_replication_slot('" + db.name() + "')");
        db.execute("SELECT pg_create_logical_replication_slot('" + db.name() + "', 'pgoutput')");
        Sidecar.Result refused = Sidecar.run(db.env(), "run", "--replay-window", "0", "--on-slot-lost", "exit");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(6);
        assertThat(refused.output()).contains("past the stored checkpoint");
    }

    @Test
    void aSlotInvalidatedByMaxSlotWalKeepSizeIsBootstrappedAgain() throws Exception {
        List<UUID> partitions = db.createQueues("lost", 1, 50);
        db.execute("CREATE TABLE IF NOT EXISTS public.filler (id bigserial PRIMARY KEY, pad text)");
        try (Sidecar run = Sidecar.start(db.env(), "run", "--replay-window", "0").awaitStreaming()) {
            for (UUID p : partitions) {
                db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('l-" + p + "', '" + p + "', '{}')");
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            assertThat(run.sigterm(15)).isZero();
        }
        List<UUID> quiet = db.createQueues("lost-quiet", 1, 20);
        try {
            db.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
            db.execute("SELECT pg_reload_conf()");
            for (UUID p : quiet) {
                db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('q-" + p + "', '" + p + "', '{}')");
            }
            // WAL elsewhere until a checkpoint invalidates the idle slot
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                db.execute("INSERT INTO public.filler (pad) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 20000) g");
                db.execute("CHECKPOINT");
                return db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db.name() + "' AND wal_status = 'lost'") == 1;
            });
        } finally {
            db.execute("ALTER SYSTEM RESET max_slot_wal_keep_size");
            db.execute("SELECT pg_reload_conf()");
        }
        try (Sidecar run = Sidecar.start(db.env(), "run", "--replay-window", "0").awaitStreaming()) {
            assertThat(run.output()).contains("lost the WAL it needed").contains("bootstrapping again");
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            assertThat(db.lookup().keySet()).containsAll(quiet);
            assertThat(run.sigterm(15)).isZero();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
