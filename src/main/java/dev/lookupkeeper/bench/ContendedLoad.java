package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.demo.UuidV7;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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
 * messages ({@link PopClient}). Records every push's latency while {@link #measuring}; a
 * {@link LockWaitSampler} counts the sessions waiting on row locks.
 */
final class ContendedLoad implements AutoCloseable {
    private static final String PUSH = "INSERT INTO queen.messages (id, transaction_id, partition_id, payload)"
            + " SELECT u.id, u.tx, u.p, '{\"kind\":\"bench\"}'::jsonb FROM unnest(?::uuid[], ?::text[], ?::uuid[]) AS u(id, tx, p)";
    /** Messages per push. */
    static final int ROWS = 20;

    /**
     * @param pushCommit the pushes' commit level (strict: remote_apply)
     * @param popCommit the pops' commit level (strict: remote_apply, as the queue's database gives every session, or local)
     */
    record Options(int clients, int spread, long roundTripNanos, int popClients, String queue, String pushCommit, String popCommit) {}

    /**
     * What one measured window saw. {@code popped}: the messages the pops read and acknowledged (a
     * pop takes up to 100 of one partition). Lock figures are summed over samples; divide by
     * {@code samples} for a mean.
     */
    record Window(long pushes, long pops, long popped, long deadlocks, double seconds, long p50Nanos, long p99Nanos, int samples,
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
    private final AtomicLong popped = new AtomicLong();
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
        popped.set(0);
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
        return new Window(pushes.get(), pops.get(), popped.get(), deadlocks.get(), nanos / 1e9, p50, p99, waits.samples(),
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

    private Connection open(String name, String commitLevel) throws SQLException {
        Connection c = Database.connect(conn, name);
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('synchronous_commit', ?, false)")) {
            // a queue client commits at the queue's level, not at lookupkeeper's own (local)
            ps.setString(1, commitLevel);
            ps.execute();
        }
        return c;
    }

    private void pushLoop(int id, long[] mine, Random random) throws Exception {
        try (Connection c = open("bench-push", options.pushCommit())) {
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
        try (Connection c = open("bench-pop", options.popCommit()); PopClient client = new PopClient(c, options.queue(), worker)) {
            while (running) {
                int n = client.popOnce(() -> running);
                if (n == 0) {
                    LockSupport.parkNanos(1_000_000);
                } else if (measuring) {
                    pops.incrementAndGet();
                    popped.addAndGet(n);
                }
            }
        }
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
