package dev.lookupkeeper.demo;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Pushes messages the way the queue's server does: one partition per push, several rows sharing
 * the transaction's created_at, UUIDv7 ids, and (optionally) a pause before COMMIT so commits
 * land out of created_at order across writers.
 */
public final class PushLoad implements AutoCloseable {
    private static final String PUSH = "INSERT INTO queen.messages (id, transaction_id, partition_id, payload)"
            + " SELECT u.id, u.tx, ?, '{\"kind\":\"demo\"}'::jsonb FROM unnest(?::uuid[], ?::text[]) AS u(id, tx)";

    /**
     * @param ratePerSecond total messages per second over all writers; 0 = as fast as possible
     * @param exactRows every push has exactly maxRowsPerPush rows (else 1 to maxRowsPerPush)
     */
    public record Options(int writers, double ratePerSecond, int maxRowsPerPush, int maxCommitDelayMs, long seed, boolean exactRows) {
        public Options(int writers, double ratePerSecond, int maxRowsPerPush, int maxCommitDelayMs, long seed) {
            this(writers, ratePerSecond, maxRowsPerPush, maxCommitDelayMs, seed, false);
        }
    }

    private final ConnectionSettings connection;
    private final List<UUID> partitions;
    private final Options options;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong pushes = new AtomicLong();
    /** Every push's time (insert and commit) in nanoseconds, for percentiles: up to 60 s, 3 significant digits. */
    private final org.HdrHistogram.Recorder latencies = new org.HdrHistogram.Recorder(60_000_000_000L, 3);
    private final AtomicLong maxPushNanos = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private String synchronousCommit = "on";

    public PushLoad(ConnectionSettings connection, List<UUID> partitions, Options options) {
        this.connection = connection;
        this.partitions = List.copyOf(partitions);
        this.options = options;
    }

    /** The writers' synchronous_commit: "on" (the server's default) or "remote_apply" (what strict consistency sets). */
    public PushLoad commitLevel(String level) {
        if (!level.equals("on") && !level.equals("remote_apply")) {
            throw new IllegalArgumentException("commit level on or remote_apply, not " + level);
        }
        this.synchronousCommit = level;
        return this;
    }

    public PushLoad start() {
        running = true;
        for (int w = 0; w < options.writers(); w++) {
            Random random = new Random(options.seed() * 31 + w);
            Thread t = new Thread(() -> writerLoop(random), "push-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    private void writerLoop(Random random) {
        double perWriter = options.ratePerSecond() / options.writers();
        long started = System.nanoTime();
        long mine = 0;
        try (Connection c = Database.connect(connection, "lookupkeeper-pushload")) {
            try (PreparedStatement st = c.prepareStatement("SELECT set_config('synchronous_commit', ?, false)")) {
                // a queue client commits as the server's default does, not as lookupkeeper's own sessions
                // (local): under strict consistency its pushes wait for the sidecar, as real pushes do
                st.setString(1, synchronousCommit);
                st.execute();
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(PUSH)) {
                while (running) {
                    int rows = options.exactRows() ? options.maxRowsPerPush() : 1 + random.nextInt(options.maxRowsPerPush());
                    UUID partition = partitions.get(random.nextInt(partitions.size()));
                    UUID[] ids = new UUID[rows];
                    String[] tx = new String[rows];
                    for (int i = 0; i < rows; i++) {
                        ids[i] = UuidV7.next();
                        tx[i] = ids[i].toString();
                    }
                    ps.setObject(1, partition);
                    ps.setArray(2, c.createArrayOf("uuid", ids));
                    ps.setArray(3, c.createArrayOf("text", tx));
                    long pushStart = System.nanoTime();
                    try {
                        ps.executeUpdate();
                        if (options.maxCommitDelayMs() > 0) {
                            LockSupport.parkNanos(random.nextInt(options.maxCommitDelayMs() + 1) * 1_000_000L);
                        }
                        c.commit();
                    } catch (SQLException e) {
                        try {
                            c.rollback();
                        } catch (SQLException lost) {
                            e.addSuppressed(lost); // a lost connection: the push's own error is the one to report
                            throw e;
                        }
                        if ("23503".equals(e.getSQLState())) {
                            continue; // the partition was deleted under us: the queue would drop the push too
                        }
                        throw e;
                    }
                    long took = System.nanoTime() - pushStart;
                    maxPushNanos.accumulateAndGet(took, Math::max);
                    latencies.recordValue(Math.min(took, 60_000_000_000L));
                    mine += rows;
                    written.addAndGet(rows);
                    pushes.incrementAndGet();
                    if (perWriter > 0) {
                        long due = started + (long) (mine / perWriter * 1e9);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                }
            }
        } catch (Throwable t) {
            if (running) {
                failure.compareAndSet(null, t);
            }
        }
    }

    public long written() {
        return written.get();
    }

    public long pushes() {
        return pushes.get();
    }

    /** The pushes' times (nanoseconds) since the last call, or since the start. */
    public org.HdrHistogram.Histogram pushTimesSinceLastCall() {
        return latencies.getIntervalHistogram();
    }

    /** The longest push (insert and commit, commit delay included), in nanoseconds. */
    public long maxPushNanos() {
        return maxPushNanos.get();
    }

    public Throwable failure() {
        return failure.get();
    }

    /** Stops the writers and waits for their last commit. */
    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
