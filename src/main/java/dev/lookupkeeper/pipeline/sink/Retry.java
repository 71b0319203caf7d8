package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.pg.PgErrors;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded retries of an idempotent database write: a lookup batch (upsert, repairs, checkpoint)
 * may be sent again as a whole after a transient failure, because every part of it is monotonic.
 */
final class Retry {
    private static final Logger LOG = LoggerFactory.getLogger(Retry.class);
    private static final int MAX_ATTEMPTS = 8;

    interface Attempt<T> {
        T run() throws SQLException;
    }

    private Retry() {}

    /** Runs the attempt, again after a transient failure (up to 8 times, 50 ms to 5 s apart). */
    static <T> T whileTransient(Attempt<T> attempt) throws SQLException, InterruptedException {
        long pause = 50;
        for (int n = 1; ; n++) {
            try {
                return attempt.run();
            } catch (SQLException e) {
                if (!retryable(e) || n >= MAX_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("lookup write failed ({}), retrying ({}/{})", PgErrors.brief(e), n, MAX_ATTEMPTS);
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 5_000);
            }
        }
    }

    /**
     * 23503: FK violation (partition deleted after the join); 40001/40P01: serialization failure or
     * deadlock; 08xxx: connection trouble; 57P01-03: server shutting down or starting; 57014: a
     * statement cancelled (the sink's statement_timeout, below its socket timeout, ended a long lock
     * wait: the session survives and the batch is sent again).
     */
    static boolean retryable(SQLException e) {
        String s = e.getSQLState();
        if (s == null) {
            return true;
        }
        return s.equals("23503") || s.equals("57014") || s.startsWith("40") || s.startsWith("08") || s.startsWith("57P");
    }
}
