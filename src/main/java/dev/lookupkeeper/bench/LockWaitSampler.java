package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples, every {@value #INTERVAL_MS} ms while counting, the sessions waiting on a row lock
 * ({@code Lock/tuple}, {@code Lock/transactionid}: how pushes queue behind each other's lookup rows)
 * and how many of them wait on {@code queen.partition_lookup}. Counts are sums over samples; a
 * mean is {@code waits / samples}. Its own session, named {@code bench-lock-sampler}.
 */
final class LockWaitSampler {
    static final long INTERVAL_MS = 100;
    /** Sessions waiting on a row lock, and whether the lock (or the transaction they wait for) is on the lookup. */
    private static final String LOCK_WAITS = "SELECT a.wait_event,"
            + " EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted AND l.relation = 'queen.partition_lookup'::regclass)"
            + " OR EXISTS (SELECT 1 FROM pg_locks l WHERE l.relation = 'queen.partition_lookup'::regclass AND l.granted"
            + "            AND l.mode = 'RowExclusiveLock' AND l.pid = ANY (pg_blocking_pids(a.pid)))"
            + " FROM pg_stat_activity a WHERE a.wait_event_type = 'Lock' AND a.wait_event IN ('tuple', 'transactionid')";

    /** What the samples since the last {@link #reset} saw. */
    record Counts(int samples, long tupleWaits, long transactionWaits, long lookupWaits) {}

    private final ConnectionSettings conn;
    private final AtomicLong tupleWaits = new AtomicLong();
    private final AtomicLong transactionWaits = new AtomicLong();
    private final AtomicLong lookupWaits = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private volatile boolean counting;

    LockWaitSampler(ConnectionSettings conn) {
        this.conn = conn;
    }

    /** Zeroes the counts and starts counting. */
    void reset() {
        tupleWaits.set(0);
        transactionWaits.set(0);
        lookupWaits.set(0);
        samples.set(0);
        counting = true;
    }

    /** Stops counting; what was counted since {@link #reset}. */
    Counts stop() {
        counting = false;
        return new Counts((int) samples.get(), tupleWaits.get(), transactionWaits.get(), lookupWaits.get());
    }

    /** The sampling loop, on a thread of the caller's, until {@code running} says no. */
    void run(java.util.function.BooleanSupplier running) throws SQLException, InterruptedException {
        try (Connection c = Database.connect(conn, "bench-lock-sampler"); PreparedStatement ps = c.prepareStatement(LOCK_WAITS)) {
            while (running.getAsBoolean()) {
                Thread.sleep(INTERVAL_MS);
                if (counting) {
                    sample(ps);
                }
            }
        }
    }

    private void sample(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                (rs.getString(1).equals("tuple") ? tupleWaits : transactionWaits).incrementAndGet();
                if (rs.getBoolean(2)) {
                    lookupWaits.incrementAndGet();
                }
            }
        }
        samples.incrementAndGet();
    }
}
