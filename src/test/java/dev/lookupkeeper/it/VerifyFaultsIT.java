package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * verify fails (exit 1) on each injected fault and names the partitions; resync --phantoms repairs
 * the data faults; verify passes again. Then the mode faults: a dropped trigger in trigger mode, a
 * dropped slot in CDC mode.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VerifyFaultsIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    @Order(1)
    void dataFaultsAreNamedAndRepaired() throws Exception {
        List<UUID> p = db.createQueues("vf", 1, 20);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload, created_at)"
                + " SELECT 'm-' || p.id || '-' || g, p.id, '{}'::jsonb, now() - (g || ' minutes')::interval"
                + " FROM queen.partitions p, generate_series(1, 5) g");
        ok(Sidecar.run(db.env(), "install", "--mode", "trigger"));
        ok(Sidecar.run(db.env(), "verify"));

        UUID deleted = p.get(0);
        UUID movedBack = p.get(1);
        UUID phantom = p.get(2);
        UUID emptied = p.get(3);
        db.execute("DELETE FROM queen.partition_lookup WHERE partition_id = '" + deleted + "'");
        db.execute("UPDATE queen.partition_lookup SET last_message_created_at = last_message_created_at - interval '1 day'"
                + " WHERE partition_id = '" + movedBack + "'");
        // a consumer behind the row, then retention deletes the partition's newest messages
        db.execute("INSERT INTO queen.partition_consumers (partition_id, consumer_group) VALUES ('" + phantom + "', 'g1')");
        db.execute("DELETE FROM queen.messages WHERE id IN (SELECT id FROM queen.messages WHERE partition_id = '" + phantom
                + "' ORDER BY created_at DESC LIMIT 2)");
        db.execute("DELETE FROM queen.messages WHERE partition_id = '" + emptied + "'");

        Sidecar.Result fail = Sidecar.run(db.env(), "verify");
        assertThat(fail.exitCode()).as(fail.output()).isEqualTo(1);
        assertThat(fail.output())
                .contains("✗ missing").contains("vf-0/" + deleted)
                .contains("✗ stale").contains("vf-0/" + movedBack)
                .contains("✗ phantom").contains("vf-0/" + phantom).contains("vf-0/" + emptied)
                .contains("✓ trigger");

        Sidecar.Result plain = Sidecar.run(db.env(), "resync");
        ok(plain);
        assertThat(plain.output()).contains("1 rows inserted, 1 advanced");
        Sidecar.Result stillPhantom = Sidecar.run(db.env(), "verify");
        assertThat(stillPhantom.exitCode()).as("plain resync never lowers a row").isEqualTo(1);
        assertThat(stillPhantom.output()).contains("✗ phantom").contains("✓ missing").contains("✓ stale");

        Sidecar.Result repair = Sidecar.run(db.env(), "resync", "--phantoms");
        ok(repair);
        assertThat(repair.output()).contains("1 phantoms lowered, 1 removed");
        ok(Sidecar.run(db.env(), "verify"));
        db.assertLookupEqualsOracle();

        // trigger mode: rebuild moves rows back (and forward) in place
        db.execute("UPDATE queen.partition_lookup SET last_message_created_at = last_message_created_at + interval '1 day'"
                + " WHERE partition_id = '" + p.get(5) + "'");
        db.execute("DELETE FROM queen.partition_lookup WHERE partition_id = '" + p.get(6) + "'");
        Sidecar.Result rebuild = Sidecar.run(db.env(), "rebuild");
        ok(rebuild);
        assertThat(rebuild.output()).contains("2 differences");
        ok(Sidecar.run(db.env(), "verify"));
        db.assertLookupEqualsOracle();
    }

    @Test
    @Order(2)
    void modeFaultsAreNamed() throws Exception {
        db.createQueues("mf", 1, 5);
        ok(Sidecar.run(db.env(), "install", "--mode", "trigger"));
        db.execute("DROP TRIGGER lookupkeeper_partition_lookup ON queen.messages");
        Sidecar.Result noTrigger = Sidecar.run(db.env(), "verify");
        assertThat(noTrigger.exitCode()).as(noTrigger.output()).isEqualTo(1);
        assertThat(noTrigger.output()).contains("✗ trigger").contains("missing in trigger mode");
        ok(Sidecar.run(db.env(), "install", "--mode", "trigger"));
        ok(Sidecar.run(db.env(), "verify"));

        // CDC mode with its slot dropped from outside
        try (Sidecar run = Sidecar.start(db.env(), "run").awaitOutput("mode: trigger")) {
            ok(Sidecar.run(db.env(), "switch", "--to", "cdc"));
            run.sigterm(10);
        }
        ok(Sidecar.run(db.env(), "verify"));
        db.execute("SELECT pg_drop_replication_slot('" + db.name() + "')");
        Sidecar.Result noSlot = Sidecar.run(db.env(), "verify");
        assertThat(noSlot.exitCode()).as(noSlot.output()).isEqualTo(1);
        assertThat(noSlot.output()).contains("✗ slot").contains("is missing in CDC mode");
    }

    private static void ok(Sidecar.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
    }
}
