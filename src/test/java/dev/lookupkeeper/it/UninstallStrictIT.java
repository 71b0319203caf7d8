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
 * `uninstall` after a strict sidecar was killed: synchronous_standby_names still names the sidecar's
 * walsender and no guard is left to fail open, so every commit that waits for a synchronous standby
 * waits for a stream that will not come back. Uninstall removes the name (a push stuck on it
 * returns), and takes back the commit level install set for the queue's sessions.
 */
class UninstallStrictIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @AfterEach
    void relax() throws SQLException {
        db.resetSynchronousStandbys();
    }

    @Test
    void uninstallReleasesCommitsThatWaitForAKilledStrictSidecar() throws Exception {
        List<UUID> partitions = db.createQueues("gone", 1, 1);
        Sidecar.Result install = Sidecar.run(db.env(), "install", "--consistency", "strict");
        assertThat(install.exitCode()).as(install.output()).isZero();
        try (Sidecar run = Sidecar.start(db.env(), "run", "--consistency", "strict", "--replay-window", "0")) {
            run.awaitOutput("strict consistency in effect");
            run.sigkill();
        }
        String app = db.slot("pgoutput");
        assertThat(db.queryText("SHOW synchronous_standby_names")).as("left by the killed sidecar").isEqualTo("\"" + app + "\"");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> db.queryLong(
                "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '" + app + "'") == 0);
        try (Connection pusher = db.queueClient()) {
            CompletableFuture<UUID> push = CompletableFuture.supplyAsync(() -> PgDatabase.pushOne(pusher, partitions.get(0), "uninstall-strict"));
            try {
                push.get(2, TimeUnit.SECONDS);
                throw new AssertionError("a push at remote_apply returned with the synchronous standby gone");
            } catch (TimeoutException expected) {
                // it waits for a stream that is gone
            }
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
}
