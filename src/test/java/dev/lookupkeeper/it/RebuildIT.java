package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rows moved ahead of the truth, rows deleted, rows filed under the wrong queue: rebuild under 8
 * writers ends equal to the truth, killed midway and rerun too, while a checker running the
 * selection every 10 ms never gets an error or an empty list.
 */
class RebuildIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void rebuildRepairsBothDirectionsUnderLoadAndResumesAfterAKill() throws Exception {
        List<UUID> partitions = db.createQueues("rb", 2, 1000);
        db.createQueues("quiet", 1, 50);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " SELECT 'pre-' || p.id, p.id, '{}'::jsonb FROM queen.partitions p");
        List<String> problems = new CopyOnWriteArrayList<>();
        AtomicInteger checks = new AtomicInteger();
        AtomicBoolean checking = new AtomicBoolean(true);
        try (Sidecar run = Sidecar.start(db.env(), "run").awaitStreaming();
             PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(8, 2000, 20, 3, 5)).start()) {
            Thread.sleep(1000);
            // damage: ahead of the truth, deleted, misfiled (on quiet partitions, so pushes do not mend them)
            db.execute("UPDATE queen.partition_lookup SET last_message_created_at = now() + interval '1 day'"
                    + " WHERE partition_id IN (SELECT id FROM queen.partitions p JOIN (SELECT id AS qid FROM queen.queues WHERE name = 'quiet-0') q"
                    + " ON p.queue_id = q.qid ORDER BY p.id LIMIT 10)");
            db.execute("DELETE FROM queen.partition_lookup WHERE partition_id IN ("
                    + "SELECT p.id FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id WHERE q.name = 'quiet-0' ORDER BY p.id OFFSET 10 LIMIT 10)");
            db.execute("UPDATE queen.partition_lookup SET queue_name = 'rb-0' WHERE partition_id IN ("
                    + "SELECT p.id FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id WHERE q.name = 'quiet-0' ORDER BY p.id OFFSET 20 LIMIT 5)");
            Thread checker = new Thread(() -> {
                try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                        "SELECT p.id FROM queen.partition_lookup pl JOIN queen.partitions p ON p.id = pl.partition_id"
                                + " LEFT JOIN queen.partition_consumers pc ON pc.partition_id = pl.partition_id AND pc.consumer_group = '__QUEUE_MODE__'"
                                + " WHERE pl.queue_name = 'rb-1' AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= now())"
                                + " ORDER BY pc.last_consumed_at ASC NULLS FIRST, pl.last_message_created_at DESC LIMIT 100")) {
                    while (checking.get()) {
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next()) {
                                problems.add("empty selection");
                            }
                        }
                        checks.incrementAndGet();
                        Thread.sleep(10);
                    }
                } catch (Exception e) {
                    problems.add("selection failed: " + e);
                }
            });
            checker.start();

            Sidecar.Result dry = Sidecar.run(db.env(), "rebuild", "--dry-run");
            assertThat(dry.exitCode()).as(dry.output()).isZero();
            assertThat(dry.output()).contains("dry run").contains("ahead    10").contains("missing  15").contains("misfiled 5");
            assertThat(db.queryLong("SELECT count(*) FROM queen.partition_lookup WHERE last_message_created_at > now() + interval '1 hour'"))
                    .as("dry run changed nothing").isEqualTo(10);

            // killed midway (small steps make it slow enough to kill), then rerun to the end
            try (Sidecar killed = Sidecar.start(db.env(), "rebuild", "--backfill-chunk", "5")) {
                Thread.sleep(1500);
                killed.sigkill();
            }
            Sidecar.Result rebuild = Sidecar.run(db.env(), "rebuild");
            assertThat(rebuild.exitCode()).as(rebuild.output()).isZero();
            assertThat(rebuild.output()).as("progress (a log line per 10 % off a terminal, and the last one)").contains("rebuild: 2050 of 2050 partitions done");
            Thread.sleep(1000);
            load.close();
            checking.set(false);
            checker.join();
            assertThat(load.failure()).isNull();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            Sidecar.Result verify = Sidecar.run(db.env(), "verify");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            Sidecar.Result again = Sidecar.run(db.env(), "rebuild", "--dry-run");
            assertThat(again.output()).contains("0 differences");
            assertThat(run.sigterm(10)).isZero();
        }
        assertThat(checks.get()).as("the checker ran throughout").isGreaterThan(50);
        assertThat(problems).isEmpty();
        assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db.name() + "'"))
                .as("rebuild leaves exactly the one slot of CDC mode").isEqualTo(1);
    }
}
