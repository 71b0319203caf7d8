package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a strict sidecar killed with its guard leaves (a container killed; here `--strict-guard
 * none`): synchronous_standby_names still names its walsender and nothing is left to fail open, so every commit that waits for a synchronous standby waits for a
 * stream that will not come back. `uninstall` removes the name (a push stuck on it returns) and takes
 * back the commit level install set for the queue's sessions; `switch --to trigger`, the fallback
 * that needs no sidecar, removes the name once its trigger keeps the lookup, and keeps the level.
 */
class StrictLeftoversIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @AfterEach
    void relax() throws SQLException {
        db.resetSynchronousStandbys();
    }

    @Test
    void uninstallReleasesCommitsThatWaitForAKilledStrictSidecar() throws Exception {
        List<UUID> partitions = db.createQueues("gone", 1, 1);
        String app = installAndKillAStrictSidecar();
        try (Connection pusher = db.queueClient()) {
            CompletableFuture<UUID> push = stuckPush(pusher, partitions.get(0));
            Sidecar.Result uninstall = Sidecar.run(db.env(), "uninstall");
            assertThat(uninstall.exitCode()).as(uninstall.output()).isZero();
            assertThat(uninstall.output())
                    .contains("synchronous_standby_names: \"" + app + "\" removed (commits no longer wait for a sidecar)")
                    .contains("ALTER DATABASE \"" + db.name() + "\" RESET synchronous_commit: done (install had set remote_apply)");
            assertThat(push.get(10, TimeUnit.SECONDS)).as("the stuck push, released by uninstall").isNotNull();
        }
        assertThat(db.queryText("SHOW synchronous_standby_names")).isEmpty();
        assertThat(db.queryLong("SELECT count(*) FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) x"
                + " WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " AND x LIKE 'synchronous_commit=%'")).as("synchronous_commit set for this database after uninstall").isZero();
        try (Connection client = db.queueClient(); ResultSet rs = client.createStatement().executeQuery("SHOW synchronous_commit")) {
            rs.next();
            assertThat(rs.getString(1)).as("a new queue session's level").isEqualTo("on");
        }
    }

    @Test
    void switchToTriggerReleasesCommitsThatWaitForAKilledStrictSidecar() throws Exception {
        List<UUID> partitions = db.createQueues("fallback", 1, 1);
        String app = installAndKillAStrictSidecar();
        try (Connection pusher = db.queueClient()) {
            CompletableFuture<UUID> push = stuckPush(pusher, partitions.get(0));
            Sidecar.Result sw = Sidecar.run(db.env(), "switch", "--to", "trigger");
            assertThat(sw.exitCode()).as(sw.output()).isZero();
            assertThat(sw.output()).contains("synchronous_standby_names: \"" + app + "\" removed (commits no longer wait for a sidecar)");
            UUID pushed = push.get(10, TimeUnit.SECONDS);
            assertThat(db.queryText("SELECT last_message_id::text FROM queen.partition_lookup WHERE partition_id = '" + partitions.get(0) + "'"))
                    .as("the stuck push's lookup row, written by the switch's resync").isEqualTo(pushed.toString());
        }
        assertThat(db.queryText("SHOW synchronous_standby_names")).isEmpty();
        assertThat(db.queryText("SELECT setting FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) setting"
                + " WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.setrole = 0"))
                .as("the queue's level, kept for a way back to strict").isEqualTo("synchronous_commit=remote_apply");
        try (Connection pusher = db.queueClient()) {
            long t = System.nanoTime();
            UUID next = PgDatabase.pushOne(pusher, partitions.get(0), "after-fallback");
            assertThat((System.nanoTime() - t) / 1_000_000).as("a push in trigger mode, ms").isLessThan(2_000);
            assertThat(db.queryText("SELECT last_message_id::text FROM queen.partition_lookup WHERE partition_id = '" + partitions.get(0) + "'"))
                    .as("trigger mode: the push's row when its commit returned").isEqualTo(next.toString());
        }
        Sidecar.Result uninstall = Sidecar.run(db.env(), "uninstall"); // the next test installs afresh
        assertThat(uninstall.exitCode()).as(uninstall.output()).isZero();
    }

    /**
     * install --consistency strict, a strict sidecar until strict is in effect, then SIGKILL: returns
     * the name it left. Without a guard process (`--strict-guard none`): as when a container or pod is
     * killed with the sidecar and its guard in it, nothing is left to fail open.
     */
    private static String installAndKillAStrictSidecar() throws Exception {
        Sidecar.Result install = Sidecar.run(db.env(), "install", "--consistency", "strict");
        assertThat(install.exitCode()).as(install.output()).isZero();
        try (Sidecar run = Sidecar.start(db.env(), "run", "--consistency", "strict", "--replay-window", "0", "--strict-guard", "none")) {
            run.awaitOutput("strict consistency in effect");
            run.sigkill();
        }
        String app = db.slot("pgoutput");
        assertThat(db.queryText("SHOW synchronous_standby_names")).as("left by the killed sidecar").isEqualTo("\"" + app + "\"");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> db.queryLong(
                "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '" + app + "'") == 0);
        Sidecar.Result status = Sidecar.run(db.env(), "status");
        assertThat(status.output()).as("status says what the name left behind does").contains(app + " not connected; COMMITS WAIT for it");
        Sidecar.Result verify = Sidecar.run(db.env(), "verify");
        assertThat(verify.output()).as("so does verify").contains("synchronous_standby_names names " + app + " and no stream of it is connected");
        return app;
    }

    /** A push at the database's remote_apply, on another thread: still waiting after 2 s. */
    private static CompletableFuture<UUID> stuckPush(Connection pusher, UUID partition) throws Exception {
        CompletableFuture<UUID> push = CompletableFuture.supplyAsync(() -> PgDatabase.pushOne(pusher, partition, "stuck"));
        try {
            push.get(2, TimeUnit.SECONDS);
            throw new AssertionError("a push at remote_apply returned with the synchronous standby gone");
        } catch (TimeoutException expected) {
            return push; // it waits for a stream that is gone
        }
    }
}
