package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SIGTERM: finish the batch, commit, release the slot, exit 0 within 10 s. */
class SigtermIT {
    /** SIGTERM finishes the batch, commits, releases the slot and exits 0 within 10 s. */
    private static final long STOP_MS = 10_000;

    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void sigtermStopsCleanlyAndReleasesTheSlot() throws Exception {
        List<UUID> partitions = db.createQueues("term", 1, 100);
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 1000, 10, 2, 3)).start();
             Sidecar sidecar = Sidecar.start(db.env(), "run", "--log-format", "json")) {
            sidecar.awaitStreaming();
            String streamingLine = sidecar.output().lines().filter(l -> l.contains("streaming from slot")).findFirst().orElseThrow();
            com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(streamingLine);
            assertThat(json.get("level").asText()).isEqualTo("INFO");
            assertThat(json.get("formattedMessage").asText()).startsWith("streaming from slot " + db.name());
            Thread.sleep(2000);
            long t = System.nanoTime();
            int code = sidecar.sigterm(60); // longer than the bound: a slow stop is measured, not cut off
            long ms = (System.nanoTime() - t) / 1_000_000;
            System.out.printf("SigtermIT: SIGTERM -> exit %d ms%n", ms);
            assertThat(code).as("exit code after SIGTERM (-1 = still running after 60 s)\n" + sidecar.output()).isZero();
            assertThat(ms).as("SIGTERM until the process exited").isLessThanOrEqualTo(STOP_MS);
            assertThat(sidecar.output()).contains("stopped cleanly");
            assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db.name() + "' AND active"))
                    .as("slot released").isZero();
            assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db.name() + "'"))
                    .as("slot kept for the next start").isEqualTo(1);
        }
        // the next start resumes from the stored offsets and catches up
        try (Sidecar sidecar = Sidecar.start(db.env(), "run")) {
            sidecar.awaitStreaming();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            assertThat(sidecar.sigterm(10)).isZero();
        }
    }
}
