package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WAL guard: on an idle queue while another table writes 200 MB, the slot's retained WAL stays
 * small (keepalives and heartbeats are stored and confirmed); with --on-slot-lost exit, a slot
 * dropped from outside ends the sidecar within 10 s (exit 6).
 */
class SlotGuardIT {
    /** A lost slot ends `run --on-slot-lost exit` within 10 s (the control loop checks the slot every second). */
    private static final long LOST_SLOT_EXIT_MS = 10_000;

    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void idleSlotRetainsLittleAndALostSlotStopsTheSidecarWhenAskedTo() throws Exception {
        db.createQueues("idle", 1, 10);
        db.execute("CREATE TABLE public.other_work (id bigserial PRIMARY KEY, filler text)");
        Map<String, String> env = new HashMap<>(db.env());
        try (Sidecar run = Sidecar.start(env, "run", "--heartbeat-ms", "500", "--max-retained-wal-mb", "32", "--replay-window", "0",
                "--on-slot-lost", "exit").awaitStreaming()) {
            // 200 MB of WAL from a table outside the publication, in 20 chunks
            for (int i = 0; i < 20; i++) {
                db.execute("INSERT INTO public.other_work (filler) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 10000) g");
            }
            long written = db.queryLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
            assertThat(written).isGreaterThan(200L * 1024 * 1024);
            db.execute("CHECKPOINT");
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                db.execute("CHECKPOINT"); // logs the running transactions, so restart_lsn can move
                return db.queryLong("SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn))::bigint FROM pg_replication_slots"
                        + " WHERE slot_name LIKE '" + db.name() + "%'") <= 16L * 1024 * 1024;
            });
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_replication WHERE application_name LIKE '" + db.name() + "%'"))
                    .as("one walsender per streaming sidecar").isEqualTo(1);

            // the slot dropped from outside: the sidecar must notice within the bound, measured from
            // the first termination of its walsender; the wait is longer, so a slow exit is measured, not timed out
            long t = System.nanoTime();
            db.dropSlotFromOutside();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> !run.isAlive());
            long exitMs = (System.nanoTime() - t) / 1_000_000;
            System.out.printf("SlotGuardIT: slot dropped -> exit %d ms%n", exitMs);
            assertThat(exitMs).as("slot dropped from outside until the sidecar exited").isLessThanOrEqualTo(LOST_SLOT_EXIT_MS);
            assertThat(run.sigterm(1)).as(run.output()).isEqualTo(6);
            assertThat(run.output()).contains("replication slot " + db.name() + " was dropped or invalidated from outside");
            List<String> lines = run.output().lines().toList();
            assertThat(lines.get(lines.size() - 1)).startsWith("lookupkeeper run: replication slot " + db.name());
        }
    }
}
