package dev.lookupkeeper.selection;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The SQL selection with a bound, so HTTP cannot be used to load the database: the same question
 * asked again within the cache time gets the answer already computed (requests in flight share
 * one query), and at most {@code concurrency} queries run at once; a request that cannot get a
 * turn within the wait is refused ({@link BusyException}: 503 with Retry-After) instead of queueing
 * more work on PostgreSQL. A candidate list up to the cache time old is what a standby's clients
 * get; the in-memory selection is not behind this.
 */
public final class BoundedSelection implements CandidateSource {
    public static final long DEFAULT_CACHE_MS = 250;
    public static final int DEFAULT_CONCURRENCY = 2;
    private static final int MAX_ENTRIES = 4096;

    private final CandidateSource sql;
    private final long cacheNanos;
    private final int concurrency;
    private final Semaphore turns;
    private final long waitMs;
    private final ConcurrentHashMap<Key, Entry> answers = new ConcurrentHashMap<>();

    public BoundedSelection(CandidateSource sql, long cacheMs, int concurrency, long waitMs) {
        this.sql = sql;
        this.cacheNanos = TimeUnit.MILLISECONDS.toNanos(cacheMs);
        this.concurrency = concurrency;
        this.turns = new Semaphore(concurrency, true);
        this.waitMs = waitMs;
    }

    public static BoundedSelection withDefaults(CandidateSource sql) {
        return new BoundedSelection(sql, DEFAULT_CACHE_MS, DEFAULT_CONCURRENCY, 2000);
    }

    private record Key(String queue, String group, int limit) {}

    private record Entry(long atNanos, CompletableFuture<List<PartitionSelector.Candidate>> answer) {}

    @Override
    public List<PartitionSelector.Candidate> candidates(String queue, String group, int limit) throws SQLException {
        Key key = new Key(queue, group, limit);
        long now = System.nanoTime();
        Entry mine = new Entry(now, new CompletableFuture<>());
        Entry e = answers.compute(key, (k, old) -> old != null && (!old.answer().isDone() || now - old.atNanos() < cacheNanos) ? old : mine);
        if (e == mine) {
            compute(key, mine, queue, group, limit);
        }
        try {
            return e.answer().get();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the selection", ie);
        } catch (ExecutionException ee) {
            Throwable cause = ee.getCause();
            if (cause instanceof SQLException se) {
                throw se;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new SQLException(cause);
        }
    }

    private void compute(Key key, Entry entry, String queue, String group, int limit) {
        try {
            if (!turns.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
                throw new BusyException("selection busy: " + concurrency + " SQL selections already run; retry shortly");
            }
            try {
                entry.answer().complete(List.copyOf(sql.candidates(queue, group, limit)));
            } finally {
                turns.release();
            }
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            answers.remove(key, entry); // failures are not remembered
            entry.answer().completeExceptionally(t);
        }
        if (answers.size() > MAX_ENTRIES) {
            long now = System.nanoTime();
            answers.entrySet().removeIf(x -> x.getValue().answer().isDone() && now - x.getValue().atNanos() >= cacheNanos);
        }
    }

    /** No turn for this request within the wait: the database is already answering as many as allowed. */
    public static final class BusyException extends RuntimeException {
        BusyException(String message) {
            super(message);
        }
    }
}
