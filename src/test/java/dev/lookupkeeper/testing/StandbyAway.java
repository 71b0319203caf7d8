package dev.lookupkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A synchronous physical standby that is away: {@code synchronous_standby_names} names a standby
 * that never connects, so every commit of a session at {@code synchronous_commit = on} waits after
 * its commit record is flushed — delivered to logical walsenders, invisible to other sessions —
 * until {@link #comeBack()}. lookupkeeper's own sessions (and the tests' {@code db.connect()}) run
 * at {@code synchronous_commit = local} and do not wait. The setting is the whole cluster's:
 * always {@link #comeBack()} (try-with-resources).
 */
public final class StandbyAway implements AutoCloseable {
    private static final String APPLICATION = "held-push";
    private final PgDatabase db;

    private StandbyAway(PgDatabase db) {
        this.db = db;
    }

    public static StandbyAway on(PgDatabase db) throws Exception {
        db.execute("ALTER SYSTEM SET synchronous_standby_names = 'standby_that_is_away'");
        db.execute("SELECT pg_reload_conf()");
        Thread.sleep(500); // the checkpointer, which tells committing sessions that standbys are defined, reloads on its own
        return new StandbyAway(db);
    }

    /**
     * A push as a queue client makes it at the server's default {@code synchronous_commit}: one
     * transaction that creates a partition of {@code queue} and its first {@code messages} messages.
     * Returns once its COMMIT waits for the standby (asserted), with the partition's id.
     */
    public Push push(String queue, int messages) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", db.connection().user());
        p.setProperty("password", db.connection().password());
        p.setProperty("ApplicationName", APPLICATION);
        Connection c = DriverManager.getConnection(db.connection().jdbcUrl(), p);
        c.setAutoCommit(false);
        UUID partition;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("WITH p AS (INSERT INTO queen.partitions (queue_id, name) SELECT id, 'held-' || gen_random_uuid()"
                     + " FROM queen.queues WHERE name = '" + queue.replace("'", "''") + "' RETURNING id)"
                     + " INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'held-' || g, p.id, '{}'"
                     + " FROM p, generate_series(1, " + messages + ") g RETURNING partition_id")) {
            assertThat(rs.next()).as("queue " + queue + " exists").isTrue();
            partition = (UUID) rs.getObject(1);
        }
        CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
            try (c) {
                c.commit();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .alias("the push's COMMIT waits for the synchronous standby")
                .until(() -> commit.isDone() || db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                        + APPLICATION + "' AND wait_event = 'SyncRep'") > 0);
        assertThat(commit.isDone()).as("the COMMIT returned at once: the standby setting is not in effect").isFalse();
        return new Push(partition, commit);
    }

    /** A push whose COMMIT waits for the standby. */
    public record Push(UUID partition, CompletableFuture<Void> commit) {
        public void awaitCommitted() throws Exception {
            commit.get(30, TimeUnit.SECONDS);
        }
    }

    /** The standby is back (the setting relaxed): waiting commits return. */
    public void comeBack() throws SQLException {
        db.execute("ALTER SYSTEM RESET synchronous_standby_names");
        db.execute("SELECT pg_reload_conf()");
    }

    @Override
    public void close() throws SQLException {
        comeBack();
    }
}
