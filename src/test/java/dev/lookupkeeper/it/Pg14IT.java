package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PostgreSQL 14, the oldest server the tests run on, where the sidecar takes its pre-15 paths: a
 * publication without a column list, and a stream that carries every transaction, the sidecar's
 * own lookup commits included (15 skips those as empty). Eventual: the lookup follows a push load
 * and a last push to a quiet partition, and the slot's confirmed position then catches up with the
 * server's WAL end. Strict, which needs 15 (unlogged sequences for its position
 * notes), is refused with a clear error by `install` and `run`, as is a failover slot (17), and
 * nothing is changed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Pg14IT {
    @RegisterExtension
    static final PgDatabase db = PgDatabase.onPostgres14();

    @Test
    @Order(1)
    void theLookupFollowsAndTheSlotIsConfirmedPastTheSidecarsOwnCommits() throws Exception {
        assertThat(db.queryLong("SELECT current_setting('server_version_num')::int / 10000")).as("the server's major version").isEqualTo(14);
        List<UUID> busy = db.createQueues("p14", 1, 40);
        UUID quiet = db.createQueues("p14quiet", 1, 1).get(0);
        Sidecar.Result install = Sidecar.run(db.env(), "install");
        assertThat(install.exitCode()).as(install.output()).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + db.settings().publication()
                + "' AND schemaname = 'queen' AND tablename = 'messages'")).as("the messages table published, without a column list").isEqualTo(1);
        try (Sidecar run = Sidecar.start(db.env(), "run", "--replay-window", "0")) {
            run.awaitStreaming();
            try (PushLoad load = new PushLoad(db.connection(), busy, new PushLoad.Options(2, 1500, 10, 0, 14)).start()) {
                Thread.sleep(3000);
            }
            try (Connection c = db.connect()) {
                c.createStatement().execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('quiet-last', '"
                        + quiet + "', '{}')");
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            assertThat(db.queryText("SELECT m.transaction_id FROM queen.partition_lookup pl JOIN queen.messages m ON m.id = pl.last_message_id"
                    + " WHERE pl.partition_id = '" + quiet + "'")).as("the quiet partition's last push").isEqualTo("quiet-last");
            String walAfter = db.queryText("SELECT pg_current_wal_lsn()::text");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(db.queryLong("SELECT (confirmed_flush_lsn >= '" + walAfter + "'::pg_lsn)::int FROM pg_replication_slots"
                            + " WHERE slot_name = '" + db.settings().slot() + "'")).as("the slot confirmed past " + walAfter + "\n" + run.output())
                            .isEqualTo(1));
            assertThat(run.output()).doesNotContain("Exception").doesNotContain(" ERROR ");
        }
    }

    @Test
    @Order(2)
    void strictAndAFailoverSlotAreRefusedClearlyAndChangeNothing() throws Exception {
        String standbys = db.queryText("SELECT current_setting('synchronous_standby_names')");
        Sidecar.Result install = Sidecar.run(db.env(), "install", "--consistency", "strict");
        assertThat(install.exitCode()).as(install.output()).isEqualTo(3);
        assertThat(install.output()).contains("--consistency strict needs PostgreSQL 15 or newer (this server is 14)");
        Sidecar.Result run = Sidecar.run(db.env(), "run", "--consistency", "strict", "--replay-window", "0");
        assertThat(run.exitCode()).as(run.output()).isEqualTo(3);
        assertThat(run.output()).contains("--consistency strict needs PostgreSQL 15 or newer (this server is 14): use --consistency eventual");
        Sidecar.Result failover = Sidecar.run(db.env(), "run", "--failover-slot", "--replay-window", "0");
        assertThat(failover.exitCode()).as(failover.output()).isEqualTo(3);
        assertThat(failover.output()).contains("--failover-slot needs PostgreSQL 17 or later (this server is 14.");
        assertThat(db.queryText("SELECT current_setting('synchronous_standby_names')")).as("synchronous_standby_names").isEqualTo(standbys);
        assertThat(db.queryLong("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
                + " WHERE d.datname = current_database() AND array_to_string(s.setconfig, ',') LIKE '%synchronous_commit%'"))
                .as("no synchronous_commit set for the queue's database").isZero();
    }
}
