package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * rebuild killed (exit 137, no clean-up) right after each of its steps — differences scanned, rows
 * ahead lowered, rows behind/missing/misfiled repaired — in CDC mode and in trigger mode, with
 * pushes going on: no misfiled partition ever drops out of the lookup, and the rerun ends equal to
 * the truth with exactly the mode's slots (one in CDC mode, none in trigger mode).
 */
class RebuildCrashIT {
    private static final List<String> STEPS = List.of("scan", "lower", "upsert");

    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void killedAfterEachStepThenRerunEndsEqualToTheTruthInBothModes() throws Exception {
        List<UUID> busy = db.createQueues("busy", 1, 200);
        db.createQueues("calm", 1, 60);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " SELECT 'pre-' || p.id, p.id, '{}'::jsonb FROM queen.partitions p");
        // no replay window here: rebuild must leave exactly the stream's own slot, nothing it created itself
        try (Sidecar run = Sidecar.start(db.env(), "run", "--replay-window", "0").awaitStreaming();
             PushLoad load = new PushLoad(db.connection(), busy, new PushLoad.Options(4, 500, 10, 3, 6)).start()) {
            for (String step : STEPS) {
                killAfterThenRerun(step);
            }
            assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"))
                    .as("CDC mode: exactly the stream's slot").isEqualTo(1);

            Sidecar.Result sw = Sidecar.run(db.env(), "switch", "--to", "trigger");
            assertThat(sw.exitCode()).as(sw.output()).isZero();
            for (String step : STEPS) {
                killAfterThenRerun(step);
            }
            assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"))
                    .as("trigger mode: no slot").isZero();
            load.close();
            assertThat(load.failure()).isNull();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            assertThat(run.sigterm(10)).isZero();
        }
    }

    private void killAfterThenRerun(String step) throws Exception {
        damageCalmPartitions();
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_FAILPOINT", "rebuild-after:" + step);
        Sidecar.Result killed = Sidecar.run(env, "rebuild", "--backfill-chunk", "20");
        assertThat(killed.exitCode()).as("killed after " + step + "\n" + killed.output()).isEqualTo(137);
        assertThat(db.queryLong("SELECT count(*) FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id"
                + " WHERE q.name = 'calm-0' AND p.id IN (SELECT partition_id FROM misfiled)"
                + " AND NOT EXISTS (SELECT 1 FROM queen.partition_lookup pl WHERE pl.partition_id = p.id)"))
                .as("after a kill at %s, no misfiled partition is missing from the lookup", step).isZero();
        Sidecar.Result rerun = Sidecar.run(db.env(), "rebuild");
        assertThat(rerun.exitCode()).as(rerun.output()).isZero();
        // the busy queue keeps moving (compared once the load stopped); the calm one must be exact now
        Sidecar.Result dry = Sidecar.run(db.env(), "rebuild", "--dry-run");
        assertThat(dry.output()).contains("ahead    0").contains("extra    0").contains("misfiled 0");
        assertThat(calm(db.lookup())).as("calm partitions after the rerun of a rebuild killed after %s", step)
                .isEqualTo(calm(db.oracle())).hasSize(60);
    }

    private static Map<UUID, PgDatabase.Pos> calm(Map<UUID, PgDatabase.Pos> all) {
        Map<UUID, PgDatabase.Pos> out = new HashMap<>();
        all.forEach((k, v) -> {
            if (v.queue().equals("calm-0")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Rows ahead, deleted and misfiled on a queue nobody pushes to, so only rebuild mends them. */
    private void damageCalmPartitions() throws Exception {
        String calm = "SELECT p.id FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id WHERE q.name = 'calm-0' ORDER BY p.id";
        db.execute("UPDATE queen.partition_lookup SET last_message_created_at = now() + interval '1 day'"
                + " WHERE partition_id IN (" + calm + " LIMIT 20)");
        db.execute("DELETE FROM queen.partition_lookup WHERE partition_id IN (" + calm + " OFFSET 20 LIMIT 20)");
        db.execute("DROP TABLE IF EXISTS misfiled");
        db.execute("CREATE TABLE misfiled AS " + calm + " OFFSET 40 LIMIT 20");
        db.execute("UPDATE queen.partition_lookup SET queue_name = 'busy-0' WHERE partition_id IN (SELECT id FROM misfiled)");
        db.execute("ALTER TABLE misfiled RENAME COLUMN id TO partition_id");
    }
}
