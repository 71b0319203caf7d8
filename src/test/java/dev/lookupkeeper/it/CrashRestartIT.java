package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

/**
 * The sidecar as a child JVM, killed with SIGKILL mid-stream several times — once right after a
 * COPY whose rows share one LSN — then restarted: the lookup equals the truth, and replayed
 * events change nothing.
 */
class CrashRestartIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "debezium"})
    void killedSidecarsResumeWithoutLosingOrRegressing(String source) throws Exception {
        Map<String, String> env = db.env(source);
        List<UUID> partitions = db.createQueues("crash-" + source, 2, 300);
        Random random = new Random(20261127);
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(4, 3000, 20, 5, 99)).start()) {
            for (int round = 0; round < 4; round++) {
                // small batches on the COPY rounds, so batch boundaries fall inside a same-LSN group
                String batch = round % 2 == 1 ? "100" : "8192";
                try (Sidecar sidecar = Sidecar.start(env, "run", "--max-batch-size", batch)) {
                    sidecar.awaitStreaming();
                    Thread.sleep(500 + random.nextInt(2500));
                    if (round % 2 == 1) {
                        // rows of one COPY come from one heap multi-insert record: they share one LSN
                        copyInto(partitions.get(random.nextInt(partitions.size())), 1000);
                    }
                    sidecar.sigkill();
                }
                assertThat(load.failure()).isNull();
            }
            // one more COPY while nobody streams, then a final restart that must catch up
            copyInto(partitions.get(0), 300);
            try (Sidecar sidecar = Sidecar.start(env, "run")) {
                sidecar.awaitStreaming();
                Thread.sleep(2000);
                load.close();
                db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
                sidecar.sigkill();
            }
        }
        // Replays after a crash are harmless: with no new messages, a restart re-reads at least
        // the held-back transaction and must leave every row, updated_at included, untouched.
        Map<UUID, String> before = rowsWithUpdatedAt();
        try (Sidecar sidecar = Sidecar.start(env, "run")) {
            sidecar.awaitStreaming();
            Sidecar.Result verify = Sidecar.run(env, "verify");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(sidecar.sigterm(15)).isZero();
        }
        assertThat(rowsWithUpdatedAt()).isEqualTo(before);
        db.awaitLookupEqualsOracle(Duration.ofSeconds(5));
    }


    private static void copyInto(UUID partition, int rows) throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            data.append(UUID.randomUUID()).append('\t').append("copy-").append(UUID.randomUUID()).append('\t')
                    .append(partition).append('\t').append("{\"copy\":true}").append('\n');
        }
        try (Connection c = db.connect()) {
            ((PGConnection) c).getCopyAPI().copyIn("COPY queen.messages (id, transaction_id, partition_id, payload) FROM STDIN",
                    new StringReader(data.toString()));
        }
    }

    private static Map<UUID, String> rowsWithUpdatedAt() throws Exception {
        Map<UUID, String> out = new HashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT partition_id, last_message_id, last_message_created_at, updated_at FROM queen.partition_lookup")) {
            while (rs.next()) {
                out.put((UUID) rs.getObject(1), rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
            }
        }
        return out;
    }
}
