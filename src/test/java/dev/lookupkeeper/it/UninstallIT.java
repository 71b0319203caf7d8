package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** uninstall leaves no slot, trigger, publication or schema of lookupkeeper; refuses while streamed. */
class UninstallIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void uninstallRemovesEverythingButTheTableUnlessAsked() throws Exception {
        db.createQueues("un", 1, 10);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'x-' || id, id, '{}' FROM queen.partitions");
        try (Sidecar run = Sidecar.start(db.env(), "run").awaitStreaming()) {
            db.awaitLookupEqualsOracle(java.time.Duration.ofSeconds(20));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> slots() == 2);
            Sidecar.Result refused = Sidecar.run(db.env(), "uninstall");
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
            assertThat(refused.output()).contains("is held by a running sidecar").contains("--force");
            assertThat(slots()).as("the stream's slot and the replay window's").isEqualTo(2);
            Sidecar.Result forced = Sidecar.run(db.env(), "uninstall", "--force");
            assertThat(forced.exitCode()).as(forced.output()).isZero();
            run.sigkill();
        }
        assertThat(slots()).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_publication WHERE pubname = 'lookupkeeper_messages'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'lookupkeeper'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'lookupkeeper_partition_lookup'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_proc WHERE proname = 'maintain_partition_lookup'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM queen.partition_lookup")).as("table kept").isEqualTo(10);

        // trigger mode, then uninstall --drop-table
        assertThat(Sidecar.run(db.env(), "install", "--mode", "trigger").exitCode()).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'lookupkeeper_partition_lookup'")).isEqualTo(1);
        Sidecar.Result dropAll = Sidecar.run(db.env(), "uninstall", "--drop-table");
        assertThat(dropAll.exitCode()).as(dropAll.output()).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'lookupkeeper_partition_lookup'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'partition_lookup'")).isZero();
        assertThat(slots()).isZero();
        // idempotent
        assertThat(Sidecar.run(db.env(), "uninstall").exitCode()).isZero();
    }

    private static long slots() throws Exception {
        return db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()");
    }
}
