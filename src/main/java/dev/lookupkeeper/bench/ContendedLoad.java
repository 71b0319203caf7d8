package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.demo.UuidV7;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Many clients pushing at once, as a queue's server does under load: each push one transaction of
 * one multi-row INSERT over {@code spread} random partitions, a client-side round trip between the
 * insert and the commit (the server's network hop and its own work), then COMMIT; optionally pop
 * clients that select a partition from the lookup, take its lease, read and acknowledge its
 * messages. Records every push's latency while {@link #measuring}; a {@link LockWaitSampler} counts
 * the sessions waiting on row locks.
 */
final class ContendedLoad implements AutoCloseable {
    private static final String PUSH = "INSERT INTO queen.messages (id, transaction_id, partition_id, payload)"
            + " SELECT u.id, u.tx, u.p, '{\"kind\":\"bench\"}'::jsonb FROM unnest(?::uuid[], ?::text[], ?::uuid[]) AS u(id, tx, p)";
    /**
     * The 0.6.9 server's pop, statement by statement (its queue mode, no window buffer): up to 100
     * candidate partitions from the lookup, least recently consumed first; the lease taken by queue
     * and partition name, trying candidates until one is free; the messages after the cursor; one
     * acknowledgement of the batch that moves the cursor and lets the lease go.
     */
    private static final String SELECT = "SELECT p.id, p.name FROM queen.partition_lookup pl"
            + " JOIN queen.partitions p ON p.id = pl.partition_id"
            + " LEFT JOIN queen.partition_consumers pc ON pc.partition_id = pl.partition_id AND pc.consumer_group = ?"
            + " WHERE pl.queue_name = ? AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= now())"
            + " AND (pc.last_consumed_created_at IS NULL OR pl.last_message_created_at > pc.last_consumed_created_at"
            + "      OR (pl.last_message_created_at = pc.last_consumed_created_at AND pl.last_message_id > pc.last_consumed_id))"
            + " ORDER BY pc.last_consumed_at ASC NULLS FIRST, pl.last_message_created_at DESC LIMIT 100";
    private static final String LEASE = "INSERT INTO queen.partition_consumers (partition_id, consumer_group, lease_expires_at, lease_acquired_at, worker_id)"
            + " SELECT p.id, ?, now() + interval '1 second' * ?, now(), ?"
            + " FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id WHERE q.name = ? AND p.name = ?"
            + " ON CONFLICT (partition_id, consumer_group) DO UPDATE SET lease_expires_at = now() + interval '1 second' * ?,"
            + " lease_acquired_at = now(), worker_id = EXCLUDED.worker_id"
            + " WHERE partition_consumers.lease_expires_at IS NULL OR partition_consumers.lease_expires_at <= now()"
            + " RETURNING last_consumed_created_at, last_consumed_id";
    /** A leased partition with nothing to read: the lease let go, the cursor and its time left as they were. */
    private static final String RELEASE = "UPDATE queen.partition_consumers SET lease_expires_at = NULL, lease_acquired_at = NULL, worker_id = NULL"
            + " WHERE partition_id = ? AND consumer_group = ?";
    private static final String CONSUMER_GROUP = "__QUEUE_MODE__";
    private static final int LEASE_SECONDS = 30;
    private static final String READ = "SELECT id, created_at FROM queen.messages WHERE partition_id = ?"
            + " AND (created_at, id) > (coalesce(?::timestamptz, '-infinity'), ?::uuid) ORDER BY created_at, id LIMIT 100";
    private static final String ACK = "UPDATE queen.partition_consumers SET last_consumed_id = ?, last_consumed_created_at = ?,"
            + " last_consumed_at = now(), lease_expires_at = NULL, total_messages_consumed = total_messages_consumed + ?"
            + " WHERE partition_id = ? AND consumer_group = ?";
    private static final int ROWS = 20;

    /**
     * @param synchronousCommit the pushes' and pops' commit level (strict: remote_apply)
     */
    record Options(int clients, int spread, long roundTripNanos, int popClients, String queue, String synchronousCommit) {}

    /** What one measured window saw. Lock figures are summed over samples; divide by {@code samples} for a mean. */
    record Window(long pushes, long pops, long deadlocks, double seconds, long p50Nanos, long p99Nanos, int samples,
                  long tupleWaits, long transactionWaits, long lookupWaits) {}

    private final ConnectionSettings conn;
    private final List<UUID> partitions;
    private final Options options;
    private final List<Thread> threads = new ArrayList<>();
    private final List<long[]> latencies = new ArrayList<>();
    private final int[] counts;
    private final AtomicLong pushes = new AtomicLong();
    /** Every committed push since the start, never reset: what the lookup must have caught up with. */
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong pops = new AtomicLong();
    private final AtomicLong deadlocks = new AtomicLong();
    private final LockWaitSampler lockWaits;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile boolean measuring;

    ContendedLoad(ConnectionSettings conn, List<UUID> partitions, Options options) {
        this.conn = conn;
        this.partitions = List.copyOf(partitions);
        this.options = options;
        this.counts = new int[options.clients()];
        this.lockWaits = new LockWaitSampler(conn);
    }

    ContendedLoad start() {
        for (int i = 0; i < options.clients(); i++) {
            int id = i;
            long[] mine = new long[1 << 16];
            latencies.add(mine);
            spawn("push-" + i, () -> pushLoop(id, mine, new Random(7919L * id + 1)));
        }
        for (int i = 0; i < options.popClients(); i++) {
            String worker = "pop-" + i;
            spawn(worker, () -> popLoop(worker));
        }
        spawn("lock-sampler", () -> lockWaits.run(() -> running));
        return this;
    }

    /** Counts from now on (after a warm-up). */
    void measure() {
        pushes.set(0);
        pops.set(0);
        deadlocks.set(0);
        Arrays.fill(counts, 0);
        lockWaits.reset();
        measuring = true;
    }

    /** Stops counting; the window from {@link #measure()} to now, {@code nanos} long. */
    Window window(long nanos) {
        measuring = false;
        LockWaitSampler.Counts waits = lockWaits.stop();
        int[] seen = counts.clone(); // a push finishing now may still count itself: read the counts once
        int total = 0;
        for (int i = 0; i < seen.length; i++) {
            total += Math.min(seen[i], latencies.get(i).length);
        }
        long[] all = new long[total];
        int at = 0;
        for (int i = 0; i < seen.length; i++) {
            int n = Math.min(seen[i], latencies.get(i).length);
            System.arraycopy(latencies.get(i), 0, all, at, n);
            at += n;
        }
        all = Arrays.copyOf(all, at);
        Arrays.sort(all);
        long p50 = all.length == 0 ? 0 : all[all.length / 2];
        long p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))];
        return new Window(pushes.get(), pops.get(), deadlocks.get(), nanos / 1e9, p50, p99, waits.samples(),
                waits.tupleWaits(), waits.transactionWaits(), waits.lookupWaits());
    }

    Throwable failure() {
        return failure.get();
    }

    private void spawn(String name, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                if (running) {
                    failure.compareAndSet(null, e);
                }
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private Connection open(String name) throws SQLException {
        Connection c = Database.connect(conn, name);
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('synchronous_commit', ?, false)")) {
            // a queue client commits at the queue's level, not at lookupkeeper's own (local)
            ps.setString(1, options.synchronousCommit());
            ps.execute();
        }
        return c;
    }

    private void pushLoop(int id, long[] mine, Random random) throws Exception {
        try (Connection c = open("bench-push")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(PUSH)) {
                UUID[] ids = new UUID[ROWS];
                String[] tx = new String[ROWS];
                UUID[] parts = new UUID[ROWS];
                UUID[] chosen = new UUID[options.spread()];
                while (running) {
                    for (int k = 0; k < chosen.length; k++) {
                        chosen[k] = partitions.get(random.nextInt(partitions.size()));
                    }
                    for (int r = 0; r < ROWS; r++) {
                        ids[r] = UuidV7.next();
                        tx[r] = ids[r].toString();
                        parts[r] = chosen[r % chosen.length];
                    }
                    ps.setArray(1, c.createArrayOf("uuid", ids));
                    ps.setArray(2, c.createArrayOf("text", tx));
                    ps.setArray(3, c.createArrayOf("uuid", parts));
                    long start = System.nanoTime();
                    try {
                        ps.executeUpdate();
                        if (options.roundTripNanos() > 0) {
                            LockSupport.parkNanos(options.roundTripNanos());
                        }
                        c.commit();
                    } catch (SQLException e) {
                        c.rollback();
                        if ("40P01".equals(e.getSQLState())) {
                            deadlocks.incrementAndGet(); // the trigger's row locks taken in two orders: the queue retries
                            continue;
                        }
                        throw e;
                    }
                    committed.incrementAndGet();
                    if (measuring) {
                        int n = counts[id];
                        mine[n & (mine.length - 1)] = System.nanoTime() - start;
                        counts[id] = n + 1;
                        pushes.incrementAndGet();
                    }
                }
            }
        }
    }

    private void popLoop(String worker) throws Exception {
        try (Connection c = open("bench-pop");
             PreparedStatement select = c.prepareStatement(SELECT);
             PreparedStatement lease = c.prepareStatement(LEASE);
             PreparedStatement read = c.prepareStatement(READ);
             PreparedStatement ack = c.prepareStatement(ACK);
             PreparedStatement release = c.prepareStatement(RELEASE)) {
            select.setString(1, CONSUMER_GROUP);
            select.setString(2, options.queue());
            lease.setString(1, CONSUMER_GROUP);
            lease.setInt(2, LEASE_SECONDS);
            lease.setString(3, worker);
            lease.setString(4, options.queue());
            lease.setInt(6, LEASE_SECONDS);
            ack.setString(5, CONSUMER_GROUP);
            release.setString(2, CONSUMER_GROUP);
            while (running) {
                List<Object[]> candidates = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(new Object[] {rs.getObject(1), rs.getString(2)});
                    }
                }
                boolean popped = false;
                for (int i = 0; i < candidates.size() && running && !popped; i++) {
                    popped = popOne(lease, read, ack, release, (UUID) candidates.get(i)[0], (String) candidates.get(i)[1]);
                }
                if (!popped) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        }
    }

    /**
     * Leases one candidate, reads its messages after the cursor and acknowledges them; false when
     * another pop holds it, or when it had nothing to read (its lease let go, as the server does).
     */
    private boolean popOne(PreparedStatement lease, PreparedStatement read, PreparedStatement ack, PreparedStatement release, UUID partition,
                           String name) throws SQLException {
        lease.setString(5, name);
        Object afterAt;
        UUID afterId;
        try (ResultSet rs = lease.executeQuery()) {
            if (!rs.next()) {
                return false;
            }
            afterAt = rs.getObject(1);
            afterId = (UUID) rs.getObject(2);
        }
        read.setObject(1, partition);
        read.setObject(2, afterAt);
        read.setObject(3, afterId);
        UUID lastId = afterId;
        Object lastAt = afterAt;
        int n = 0;
        try (ResultSet rs = read.executeQuery()) {
            while (rs.next()) {
                lastId = (UUID) rs.getObject(1);
                lastAt = rs.getObject(2);
                n++;
            }
        }
        if (n == 0) {
            release.setObject(1, partition);
            release.executeUpdate();
            return false;
        }
        ack.setObject(1, lastId);
        ack.setObject(2, lastAt);
        ack.setInt(3, n);
        ack.setObject(4, partition);
        ack.executeUpdate();
        if (measuring) {
            pops.incrementAndGet();
        }
        return true;
    }

    /** Messages committed since the start (every push has {@value #ROWS}). */
    long messagesCommitted() {
        return committed.get() * ROWS;
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
