package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.demo.UuidV7;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contended suite's lock sampler on a real server: a session waiting for a lookup row that
 * another transaction holds is counted as a row-lock wait on the lookup; a session waiting for a
 * row of another table is counted as a wait, not as one on the lookup; nothing is counted while
 * the sampler has stopped counting.
 */
class LockWaitSamplerIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private static final String UPSERT = "INSERT INTO queen.partition_lookup (queue_name, partition_id, last_message_id, last_message_created_at)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (queue_name, partition_id) DO UPDATE SET last_message_id = EXCLUDED.last_message_id,"
            + " last_message_created_at = EXCLUDED.last_message_created_at";
    private static final String TOUCH_QUEUE = "UPDATE queen.queues SET name = name WHERE name = ?";

    @Test
    void aWaitOnALookupRowIsCountedAsOne() throws Exception {
        UUID partition;
        try (Connection c = Database.connect(db.connection(), "lock-sampler-it")) {
            partition = QueenFixture.createQueues(c, "locks", 1, 1).get(0);
            new Installer(db.settings()).install(c, true); // the lookup table
            upsert(c, partition);
        }
        LockWaitSampler sampler = new LockWaitSampler(db.connection());
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
            try {
                sampler.run(running::get);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            LockWaitSampler.Counts onLookup = holdAndWait(sampler, partition, true, true);
            assertThat(onLookup.samples()).isPositive();
            assertThat(onLookup.transactionWaits() + onLookup.tupleWaits()).as("row-lock waits seen").isPositive();
            assertThat(onLookup.lookupWaits()).as("of them on the lookup").isPositive()
                    .isLessThanOrEqualTo(onLookup.transactionWaits() + onLookup.tupleWaits());

            // stopped: a wait on the lookup goes unseen, the counts stay as they were
            holdAndWait(sampler, partition, false, true);
            assertThat(sampler.stop()).as("nothing counted after stop()").isEqualTo(onLookup);

            LockWaitSampler.Counts elsewhere = holdAndWait(sampler, partition, true, false);
            assertThat(elsewhere.transactionWaits() + elsewhere.tupleWaits()).as("row-lock waits seen").isPositive();
            assertThat(elsewhere.lookupWaits()).as("none of them on the lookup").isZero();
        } finally {
            running.set(false);
            loop.get();
        }
    }

    /**
     * One session holds a row (the lookup's, or the queue's), a second waits for it for a few of the
     * sampler's intervals, then the first commits; returns what the sampler counted meanwhile.
     */
    private static LockWaitSampler.Counts holdAndWait(LockWaitSampler sampler, UUID partition, boolean counting, boolean lookupRow)
            throws Exception {
        try (Connection holder = Database.connect(db.connection(), "lock-sampler-holder");
             Connection waiter = Database.connect(db.connection(), "lock-sampler-waiter")) {
            holder.setAutoCommit(false);
            if (lookupRow) {
                upsert(holder, partition);
            } else {
                touchQueue(holder);
            }
            if (counting) {
                sampler.reset();
            }
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                try {
                    if (lookupRow) {
                        upsert(waiter, partition);
                    } else {
                        touchQueue(waiter);
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> waiting(holder));
            Thread.sleep(5 * LockWaitSampler.INTERVAL_MS);
            LockWaitSampler.Counts counts = sampler.stop();
            holder.commit();
            blocked.get();
            return counts;
        }
    }

    private static boolean waiting(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
                + " AND wait_event_type = 'Lock'")) {
            ps.setString(1, "lock-sampler-waiter");
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    private static void upsert(Connection c, UUID partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, "locks-0");
            ps.setObject(2, partition);
            ps.setObject(3, UuidV7.next());
            ps.setObject(4, OffsetDateTime.now());
            ps.executeUpdate();
        }
    }

    private static void touchQueue(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TOUCH_QUEUE)) {
            ps.setString(1, "locks-0");
            ps.executeUpdate();
        }
    }
}
