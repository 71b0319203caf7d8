package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** run --shadow streams beside the trigger; verify --parity agrees, and names a planted difference. */
class ShadowParityIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void shadowAgreesWithTheTriggerAndDifferencesAreListed() throws Exception {
        List<UUID> partitions = db.createQueues("par", 1, 200);
        UUID quiet = db.createQueues("quiet", 1, 1).get(0);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('q1', '" + quiet + "', '{}')");
        assertThat(Sidecar.run(db.env(), "install", "--mode", "trigger").exitCode()).isZero();
        Sidecar.Result none = Sidecar.run(db.env(), "verify", "--parity");
        assertThat(none.exitCode()).as(none.output()).isEqualTo(2);
        assertThat(none.output()).contains("start `lookupkeeper run --shadow`");
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(4, 1500, 10, 2, 5)).start();
             Sidecar shadow = Sidecar.start(db.env(), "run", "--shadow").awaitStreaming()) {
            Thread.sleep(3000);
            Sidecar.Result agree = Sidecar.run(db.env(), "verify", "--parity");
            assertThat(agree.exitCode()).as(agree.output()).isZero();
            assertThat(agree.output()).contains("✓ parity_behind").contains("✓ parity_ahead");
            // plant a difference: the trigger's row of a quiet partition moved back by hand
            db.execute("UPDATE queen.partition_lookup SET last_message_created_at = last_message_created_at - interval '1 day'"
                    + " WHERE partition_id = '" + quiet + "'");
            Sidecar.Result differ = Sidecar.run(db.env(), "verify", "--parity");
            load.close();
            assertThat(differ.exitCode()).as(differ.output()).isEqualTo(1);
            assertThat(differ.output()).contains("✗ parity_ahead").contains("quiet-0/" + quiet);
            assertThat(shadow.sigterm(10)).isZero();
            assertThat(shadow.output()).contains("shadow stream stopped, its slot dropped");
        }
        assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")).as("no slot left").isZero();
    }
}
