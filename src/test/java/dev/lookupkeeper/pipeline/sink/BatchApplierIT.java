package dev.lookupkeeper.pipeline.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.ConsistencySettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.batch.TestBatches;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink and the checkpoint's owner, driven batch by batch against a real PostgreSQL: a batch
 * whose partition another session has not committed yet is held, the stored checkpoint stays
 * before it while later batches apply, and it settles once the partition is visible — or, with
 * its transaction visible and the partition absent, as deleted. Strict's lock-skipping apply holds
 * a row another transaction locks instead of waiting for it.
 */
class BatchApplierIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();
    private static HikariDataSource pool;
    private static Settings settings;

    @BeforeAll
    static void install() throws Exception {
        settings = db.settings();
        try (Connection c = db.connect()) {
            new Installer(settings).install(c, true);
        }
        pool = Database.pool(settings.connection(), "batch-applier-it", 3, 50);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    @Test
    void aBatchWhosePartitionIsNotVisibleIsHeldUntilItIsAndLaterBatchesKeepApplying() throws Exception {
        UUID visible = db.createQueues("held", 1, 1).get(0);
        BatchApplier applier = applier(false);
        applier.started(lsn(1, 0));
        setCheckpoint("1/0");
        // another session creates a partition and has not committed: its messages' batch cannot see it
        try (Connection other = db.connect()) {
            other.setAutoCommit(false);
            UUID fresh = createPartition(other, "held-0");
            LatestMessage m = message(fresh, 1);
            applier.apply(TestBatches.transaction(lsn(1, 0x100), xidOf(other), List.of(m)));
            assertThat(applier.holding()).isTrue();
            assertThat(checkpoint()).isEqualTo("1/0");
            // a later batch applies, but cannot move the checkpoint past the held one
            applier.apply(TestBatches.transaction(lsn(1, 0x200), 1, List.of(message(visible, 2))));
            assertThat(db.lookup()).containsKey(visible);
            assertThat(checkpoint()).isEqualTo("1/0");
            assertThat(applier.storedCheckpoint()).isEqualTo(lsn(1, 0));
            Thread.sleep(5);
            applier.retryHeldIfDue();
            assertThat(applier.holding()).as("still invisible: no give-up").isTrue();
            other.commit();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
                applier.retryHeldIfDue();
                return !applier.holding();
            });
            assertThat(db.lookup()).containsKey(fresh);
        }
        assertThat(checkpoint()).isEqualTo("1/200");
        assertThat(applier.storedCheckpoint()).isEqualTo(lsn(1, 0x200));
    }

    @Test
    void aHeldBatchWhoseTransactionIsVisibleAndPartitionAbsentSettlesAsDeleted() throws Exception {
        BatchApplier applier = applier(false);
        applier.started(lsn(2, 0));
        setCheckpoint("2/0");
        int committedXid;
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            committedXid = xidOf(c);
            c.commit();
        }
        UUID gone = UUID.randomUUID(); // a partition its transaction created and someone deleted since
        applier.apply(TestBatches.transaction(lsn(2, 0x10), committedXid, List.of(message(gone, 1))));
        assertThat(applier.holding()).isTrue();
        assertThat(checkpoint()).isEqualTo("2/0");
        Thread.sleep(5);
        applier.retryHeldIfDue();
        assertThat(applier.holding()).isFalse();
        assertThat(checkpoint()).isEqualTo("2/10");
        assertThat(db.lookup()).doesNotContainKey(gone);
    }

    @Test
    void strictHoldsARowAnotherTransactionLocksInsteadOfWaitingForIt() throws Exception {
        UUID partition = db.createQueues("locked", 1, 1).get(0);
        BatchApplier strict = applier(true);
        strict.started(lsn(3, 0));
        setCheckpoint("3/0");
        strict.apply(TestBatches.transaction(lsn(3, 0x10), 1, List.of(message(partition, 1))));
        assertThat(checkpoint()).isEqualTo("3/10");
        try (Connection locker = db.connect(); Statement st = locker.createStatement()) {
            locker.setAutoCommit(false);
            st.execute("SELECT 1 FROM queen.partition_lookup WHERE partition_id = '" + partition + "' FOR UPDATE");
            LatestMessage newer = message(partition, 5);
            CompletableFuture<BatchApplier.Applied> apply = CompletableFuture.supplyAsync(() -> {
                try {
                    return strict.apply(TestBatches.transaction(lsn(3, 0x20), 2, List.of(newer)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            apply.get(10, TimeUnit.SECONDS); // does not wait for the lock
            assertThat(strict.holding()).isTrue();
            assertThat(checkpoint()).isEqualTo("3/10");
            locker.rollback();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
                strict.retryHeldIfDue();
                return !strict.holding();
            });
            assertThat(db.lookup().get(partition).messageId()).isEqualTo(newer.messageId());
        }
        assertThat(checkpoint()).isEqualTo("3/20");
    }

    @Test
    void strictWhileHoldingAlsoHoldsAPartitionNotVisibleYet() throws Exception {
        UUID locked = db.createQueues("lockedunseen", 1, 1).get(0);
        BatchApplier strict = applier(true);
        strict.started(lsn(4, 0));
        setCheckpoint("4/0");
        strict.apply(TestBatches.transaction(lsn(4, 0x10), 1, List.of(message(locked, 1))));
        assertThat(checkpoint()).isEqualTo("4/10");
        try (Connection locker = db.connect(); Statement st = locker.createStatement(); Connection creator = db.connect()) {
            locker.setAutoCommit(false);
            st.execute("SELECT 1 FROM queen.partition_lookup WHERE partition_id = '" + locked + "' FOR UPDATE");
            CompletableFuture.supplyAsync(() -> {
                try {
                    return strict.apply(TestBatches.transaction(lsn(4, 0x20), 2, List.of(message(locked, 5))));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).get(10, TimeUnit.SECONDS);
            assertThat(strict.holding()).isTrue();
            // while a batch is held, the next goes through the lock-skipping statement: a partition it cannot see is held too
            creator.setAutoCommit(false);
            UUID fresh = createPartition(creator, "lockedunseen-0");
            strict.apply(TestBatches.transaction(lsn(4, 0x30), xidOf(creator), List.of(message(fresh, 1))));
            locker.rollback();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
                strict.retryHeldIfDue();
                return "4/20".equals(checkpoint());
            });
            assertThat(strict.holding()).as("the invisible partition's batch stays held").isTrue();
            assertThat(db.lookup()).doesNotContainKey(fresh);
            creator.commit();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
                strict.retryHeldIfDue();
                return !strict.holding();
            });
            assertThat(db.lookup()).containsKey(fresh);
        }
        assertThat(checkpoint()).isEqualTo("4/30");
    }

    @Test
    void aBatchWithoutTransactionIdsIsNotTakenAsDeletedWhileItsPartitionIsInvisible() throws Exception {
        db.createQueues("noxid", 1, 1);
        BatchApplier applier = applier(false);
        try (Connection other = db.connect()) {
            other.setAutoCommit(false);
            UUID fresh = createPartition(other, "noxid-0");
            // a source that keeps its own offsets and gives no transaction ids: apply returns once it is settled
            CompletableFuture<BatchApplier.Applied> apply = CompletableFuture.supplyAsync(() -> {
                try {
                    return applier.apply(TestBatches.withoutTransactionIds(List.of(message(fresh, 1))));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1_000);
            assertThat(apply.isDone()).as("returned before the partition was visible: taken as deleted").isFalse();
            other.commit();
            apply.get(10, TimeUnit.SECONDS);
            assertThat(db.lookup()).containsKey(fresh);
        }
    }

    @Test
    void aDeleteArrivingWhileItsMessageIsHeldLeavesNoPhantom() throws Exception {
        db.createQueues("del", 1, 1);
        BatchApplier applier = applier(false);
        applier.started(lsn(4, 0));
        setCheckpoint("4/0");
        UUID fresh;
        LatestMessage older;
        LatestMessage newer;
        int xid;
        try (Connection other = db.connect()) {
            other.setAutoCommit(false);
            fresh = createPartition(other, "del-0");
            older = insertMessage(other, fresh, 10);
            newer = insertMessage(other, fresh, 5);
            xid = xidOf(other);
            applier.apply(TestBatches.transaction(lsn(4, 0x10), xid, List.of(newer)));
            assertThat(applier.holding()).isTrue();
            other.commit();
        }
        db.execute("DELETE FROM queen.messages WHERE id = '" + newer.messageId() + "'");
        // the delete's batch comes before any retry was due: the held row must go in before the delete is healed
        applier.apply(TestBatches.deleting(lsn(4, 0x20), 2, List.of(newer.messageId())));
        assertThat(applier.holding()).isFalse();
        assertThat(db.lookup().get(fresh).messageId()).as("the newest remaining message, not the deleted one").isEqualTo(older.messageId());
        assertThat(checkpoint()).isEqualTo("4/20");
    }

    @Test
    void strictNotesNoPositionWhileABatchIsHeld() throws Exception {
        db.createQueues("note", 1, 1);
        BatchApplier strict = applier(true);
        strict.started(lsn(5, 0));
        try (Connection other = db.connect()) {
            other.setAutoCommit(false);
            UUID fresh = createPartition(other, "note-0");
            strict.apply(TestBatches.transaction(lsn(5, 0x10), xidOf(other), List.of(message(fresh, 1))));
            assertThat(strict.holding()).isTrue();
            long noted = noted();
            strict.notePosition(lsn(5, 0x40));
            assertThat(noted()).as("a note past a held batch would tell a restart the slot is still ours").isEqualTo(noted);
            other.rollback();
        }
    }

    private static long noted() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(pg_sequence_last_value('lookupkeeper.confirmed_main'::regclass), 0)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static LatestMessage insertMessage(Connection c, UUID partition, int secondsAgo) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("INSERT INTO queen.messages (transaction_id, partition_id,"
                + " payload, created_at) VALUES (gen_random_uuid()::text, '" + partition + "', '{}', now() - interval '" + secondsAgo
                + " seconds') RETURNING id, (extract(epoch FROM created_at) * 1000000)::bigint")) {
            rs.next();
            return new LatestMessage(partition, (UUID) rs.getObject(1), rs.getLong(2));
        }
    }

    @Test
    void strictCommitsItsCommonBatchWithoutWaitingForTheFlushAndTheNextStatementBoundsIt() throws Exception {
        UUID partition = db.createQueues("async", 1, 1).get(0);
        BatchApplier strict = applier(ConsistencySettings.SinkCommit.ASYNC);
        strict.started(lsn(6, 0));
        setCheckpoint("6/0");
        LatestMessage m = message(partition, 1);
        strict.apply(TestBatches.transaction(lsn(6, 0x10), 1, List.of(m)));
        StreamSink.Commit first = strict.lastCommit();
        assertThat(first.async()).as("strict's plain upsert commits without waiting for its WAL flush").isTrue();
        assertThat(db.lookup().get(partition).messageId()).as("visible to every session once apply returns").isEqualTo(m.messageId());
        assertThat(checkpoint()).as("the checkpoint moved in the same transaction").isEqualTo("6/10");
        long afterFirst = walInsertPosition();
        assertThat(first.walPosition()).as("read before its own commit").isPositive().isLessThan(afterFirst);
        strict.apply(TestBatches.transaction(lsn(6, 0x20), 2, List.of(message(partition, 2))));
        assertThat(strict.lastCommit().walPosition()).as("the next statement's position is past the first commit")
                .isGreaterThanOrEqualTo(afterFirst);
        strict.flushCommits();
        assertThat(db.queryLong("SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint")).as("flushed past both commits")
                .isGreaterThanOrEqualTo(afterFirst);
        assertThat(sessionsLeftInATransaction()).isZero();
        List<Connection> all = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                all.add(pool.getConnection());
            }
            for (Connection c : all) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
                    rs.next();
                    assertThat(rs.getString(1)).as("the asynchronous commit was the statement's alone").isEqualTo("local");
                }
            }
        } finally {
            for (Connection c : all) {
                c.close();
            }
        }

        BatchApplier waiting = applier(ConsistencySettings.SinkCommit.SYNC);
        waiting.started(lsn(6, 0x20));
        waiting.apply(TestBatches.transaction(lsn(6, 0x30), 3, List.of(message(partition, 3))));
        assertThat(waiting.lastCommit().async()).as("--strict-sink-commit sync: durable when it returns").isFalse();
    }

    private static long walInsertPosition() throws Exception {
        return db.queryLong("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint");
    }

    @Test
    void anAsynchronousUpsertThatTimesOutOnALockLeavesTheBatchToTheLockSkippingPath() throws Exception {
        UUID partition = db.createQueues("async-fail", 1, 1).get(0);
        BatchApplier strict = applier(ConsistencySettings.SinkCommit.ASYNC);
        strict.started(lsn(7, 0));
        setCheckpoint("7/0");
        try (Connection locker = db.connect(); Statement st = locker.createStatement()) {
            strict.apply(TestBatches.transaction(lsn(7, 0x10), 1, List.of(message(partition, 1))));
            locker.setAutoCommit(false);
            st.execute("SELECT 1 FROM queen.partition_lookup WHERE partition_id = '" + partition + "' FOR UPDATE");
            // the asynchronous upsert times out on the lock (the sink's lock_timeout) and the lock-skipping
            // path takes the batch, synchronously
            strict.apply(TestBatches.transaction(lsn(7, 0x20), 2, List.of(message(partition, 2))));
            assertThat(strict.holding()).isTrue();
            assertThat(strict.lastCommit().async()).isFalse();
            assertThat(sessionsLeftInATransaction()).isZero();
            locker.rollback();
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            strict.retryHeldIfDue();
            return !strict.holding();
        });
        assertThat(checkpoint()).isEqualTo("7/20");
    }

    private static long sessionsLeftInATransaction() throws Exception {
        return db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'batch-applier-it'"
                + " AND state LIKE 'idle in transaction%'");
    }

    /** A strict applier whose own commit is asynchronous or not, whatever the test server's fsync. */
    private static BatchApplier applier(ConsistencySettings.SinkCommit sinkCommit) {
        return new BatchApplier(pool, withSinkCommit(settings, sinkCommit), SqlTemplates.of(settings), "main", true, new PipelineStats());
    }

    private static Settings withSinkCommit(Settings s, ConsistencySettings.SinkCommit sinkCommit) {
        ConsistencySettings c = s.consistency();
        return new Settings(s.connection(), s.queueSchema(), s.schema(), s.publication(), s.slot(), s.maxBatchSize(), s.pollInterval(),
                s.backfillChunk(), s.connectAttempts(), new ConsistencySettings(c.consistency(), c.applicationName(),
                c.dropQueueTrigger(), c.strictFailover(), sinkCommit), s.failoverSlot());
    }

    private static BatchApplier applier(boolean strict) {
        return new BatchApplier(pool, settings, SqlTemplates.of(settings), "main", strict, new PipelineStats());
    }

    private static long lsn(long hi, long lo) {
        return (hi << 32) | lo;
    }

    /** Monotonic per test: each message newer than the last, so the upsert's guard lets it in. */
    private static LatestMessage message(UUID partition, int n) {
        return new LatestMessage(partition, UUID.randomUUID(), System.currentTimeMillis() * 1000 + n);
    }

    private static UUID createPartition(Connection c, String queue) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("INSERT INTO queen.partitions (queue_id, name)"
                + " SELECT id, 'fresh-' || gen_random_uuid() FROM queen.queues WHERE name = '" + queue + "' RETURNING id")) {
            rs.next();
            return (UUID) rs.getObject(1);
        }
    }

    private static int xidOf(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT txid_current() & 4294967295")) {
            rs.next();
            return (int) rs.getLong(1);
        }
    }

    private static void setCheckpoint(String lsn) throws Exception {
        db.execute("UPDATE lookupkeeper.streams SET checkpoint_lsn = '" + lsn + "' WHERE stream = 'main'");
    }

    private static String checkpoint() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT checkpoint_lsn::text FROM lookupkeeper.streams WHERE stream = 'main'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
