package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DDL on the queue's tables under strict consistency: `ALTER TABLE queen.partitions` queues behind
 * the pushes in flight (their foreign-key locks), the pushes wait for the sidecar, and the sidecar's
 * lookup statement queues behind the ALTER — a cycle PostgreSQL's deadlock detector cannot see, since
 * a push waits for a synchronous standby, not for a lock. With the trigger the ALTER just waits for
 * the pushes. Here the guard sees commits that wait for a stream that does not confirm them and fails
 * open within --strict-failover; the ALTER then runs, the sidecar keeps running (a lock wait ends its
 * stream, not the process), strict comes back, and the lookup equals the truth.
 */
class StrictLockQueueIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @AfterEach
    void relax() throws SQLException {
        db.resetSynchronousStandbys();
    }

    @Test
    void ddlOnTheQueuesTablesUnderStrictLoadEndsWithinTheFailoverBound() throws Exception {
        List<UUID> partitions = db.createQueues("ddl", 1, 20);
        Sidecar.Result install = Sidecar.run(db.env(), "install", "--consistency", "strict");
        assertThat(install.exitCode()).as(install.output()).isZero();
        try (Sidecar run = Sidecar.start(db.env(), "run", "--consistency", "strict", "--strict-failover", "3s", "--replay-window", "0")) {
            run.awaitOutput("strict consistency in effect");
            long ddlMs;
            try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 200, 5, 0, 11)).commitLevel("remote_apply").start();
                 Connection pusher = db.queueClient()) {
                Thread.sleep(1000);
                // a push in flight: its foreign-key lock on queen.partitions is held until its commit returns
                pusher.setAutoCommit(false);
                PgDatabase.pushOne(pusher, partitions.get(0), "in-flight");
                CompletableFuture<Long> ddl = CompletableFuture.supplyAsync(() -> {
                    try (Connection c = db.connect(); Statement st = c.createStatement()) {
                        st.execute("SET statement_timeout = '60s'");
                        long t = System.nanoTime();
                        st.execute("ALTER TABLE queen.partitions ADD COLUMN lk_ddl_probe integer");
                        return (System.nanoTime() - t) / 1_000_000;
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).alias("the ALTER queued behind the push")
                        .until(() -> db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                + " AND query LIKE 'ALTER TABLE queen.partitions%'") == 1);
                // the commit waits for the sidecar, whose lookup statement queues behind the ALTER
                CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
                    try {
                        pusher.commit();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                ddlMs = ddl.get(60, TimeUnit.SECONDS);
                commit.get(10, TimeUnit.SECONDS);
                Thread.sleep(1500);
            } finally {
                db.execute("ALTER TABLE queen.partitions DROP COLUMN IF EXISTS lk_ddl_probe");
            }
            System.out.println("StrictLockQueueIT: ALTER TABLE queen.partitions under strict load took " + ddlMs + " ms");
            assertThat(ddlMs).as("the ALTER's wait, ms (--strict-failover 3 s, the guard looks every 250 ms)").isBetween(2_500L, 8_000L);
            assertThat(run.isAlive()).as("the sidecar after a lock wait:\n" + run.output()).isTrue();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            run.awaitOutput("strict consistency in effect again");
            assertThat(run.output()).contains("strict consistency FAILED OPEN").contains("has waited for locks for");
            assertThat(run.sigterm(15)).isZero();
        }
        Sidecar.Result verify = Sidecar.run(db.env(), "verify");
        assertThat(verify.output()).contains("missing       0");
    }
}
