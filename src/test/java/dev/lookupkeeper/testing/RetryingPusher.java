package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes that outlive the database: a writer thread that reconnects after every failure (a
 * restart, a reset) and goes on. Whatever it committed is in the messages table; the tests compare
 * the lookup with that table, so a push whose COMMIT outcome was lost needs no bookkeeping.
 */
public final class RetryingPusher implements AutoCloseable {
    /** One push: statements in the writer's transaction (committed by the pusher). */
    @FunctionalInterface
    public interface Push {
        void run(Connection c, Random random) throws SQLException, java.io.IOException;
    }

    private final ConnectionSettings connection;
    private final boolean asQueueClient;
    private final Push push;
    private final long seed;
    private final long pauseMs;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    /** 1 to 5 messages per push into random partitions of the list. */
    public RetryingPusher(ConnectionSettings connection, List<UUID> partitions, long pauseMs) {
        this(connection, randomMessages(List.copyOf(partitions)), 7, pauseMs);
    }

    public RetryingPusher(ConnectionSettings connection, Push push, long seed, long pauseMs) {
        this(connection, push, seed, pauseMs, false);
    }

    /**
     * @param asQueueClient connect as the queue's server does (none of lookupkeeper's session
     *                      settings: it commits at the synchronous_commit the database gives it, so
     *                      under strict consistency every push waits for the sidecar)
     */
    public RetryingPusher(ConnectionSettings connection, Push push, long seed, long pauseMs, boolean asQueueClient) {
        this.asQueueClient = asQueueClient;
        this.connection = connection;
        this.push = push;
        this.seed = seed;
        this.pauseMs = pauseMs;
        this.thread = new Thread(this::loop, "retrying-pusher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private static Push randomMessages(List<UUID> partitions) {
        return (c, random) -> {
            int rows = 1 + random.nextInt(5);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                    + " VALUES (?, ?, '{}')")) {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, "rp-" + UUID.randomUUID());
                    ps.setObject(2, partitions.get(random.nextInt(partitions.size())));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        };
    }

    private Connection queueClient() throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", connection.user());
        p.setProperty("password", connection.password());
        p.setProperty("ApplicationName", "queue-client");
        p.setProperty("connectTimeout", "5");
        return java.sql.DriverManager.getConnection(connection.jdbcUrl(), p);
    }

    private void loop() {
        Random random = new Random(seed);
        Connection c = null;
        while (running) {
            try {
                if (c == null) {
                    c = asQueueClient ? queueClient() : Database.connect(connection, "tests-pusher");
                    c.setAutoCommit(false);
                }
                push.run(c, random);
                c.commit();
                committed.incrementAndGet();
                if (pauseMs > 0) {
                    Thread.sleep(pauseMs);
                }
            } catch (SQLException | java.io.IOException e) {
                failures.incrementAndGet();
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (SQLException ignored) {
                    // gone
                }
                c = null;
                sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // gone
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public long committed() {
        return committed.get();
    }

    public long failures() {
        return failures.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
