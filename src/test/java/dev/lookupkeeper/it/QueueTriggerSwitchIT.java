package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.QueensTrigger;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A database whose lookup the queue's own trigger keeps (Queen 0.6.9): `install` adopts it as
 * trigger mode, `switch --to cdc` moves to CDC under load and drops the queue's trigger at its last
 * step, and `switch --to trigger --queue-trigger` puts the queue's own trigger back instead of
 * lookupkeeper's; the lookup equals the truth after each move.
 */
class QueueTriggerSwitchIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void adoptedSwitchedToCdcUnderLoadAndBackToTheQueuesTrigger() throws Exception {
        List<UUID> partitions = db.createQueues("qs", 2, 50);
        QueensTrigger.create(db); // its function refers to partition_lookup, which install creates
        Map<String, String> env = new HashMap<>(db.env());
        Sidecar.Result install = Sidecar.run(env, "install");
        assertThat(install.exitCode()).as(install.output()).isZero();
        assertThat(install.output()).contains("adopted as trigger mode").contains("installed (mode trigger)");
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'seed' || id, id, '{}' FROM queen.partitions");
        assertThat(Sidecar.run(env, "verify").exitCode()).as("the queue's trigger keeps the lookup in trigger mode").isZero();

        try (Sidecar run = Sidecar.start(env, "run", "--replay-window", "0").awaitOutput("mode: trigger");
             PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 300, 5, 0, 7)).start()) {
            Sidecar.Result toCdc = Sidecar.run(env, "switch", "--to", "cdc");
            assertThat(toCdc.exitCode()).as(toCdc.output()).isZero();
            assertThat(toCdc.output()).contains("dropped the queue's own trigger too");
            assertThat(QueensTrigger.count(db)).isZero();
            Thread.sleep(1000);
            load.close();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));

            Sidecar.Result toTrigger = Sidecar.run(env, "switch", "--to", "trigger", "--queue-trigger");
            assertThat(toTrigger.exitCode()).as(toTrigger.output()).isZero();
            assertThat(toTrigger.output()).contains("the queue's own trigger trg_update_partition_lookup keeps the lookup again");
            assertThat(QueensTrigger.count(db)).isEqualTo(1);
            assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'lookupkeeper_partition_lookup'")).isZero();
            db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'after' || id, id, '{}' FROM queen.partitions");
            db.assertLookupEqualsOracle();
            Sidecar.Result verify = Sidecar.run(env, "verify");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output()).contains("the queue's own trigger keeps the lookup (trigger mode)");
            assertThat(run.sigterm(30)).isZero();
        }
    }
}
