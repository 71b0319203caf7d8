package dev.lookupkeeper.pipeline.source.pgoutput;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stopping the stream's reader within a bound, and closing or aborting its replication connection
 * quietly. A reader blocked in a read ends only with its socket, so the connection is aborted at
 * once when the reader is idle, and after {@link #GRACE_NANOS} otherwise (it may be applying a
 * batch whose statement waits on a server that does not answer).
 */
final class ReaderStop {
    private static final Logger LOG = LoggerFactory.getLogger(ReaderStop.class);
    /** How long a busy reader gets to finish its batch before its connection is aborted. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** How long the reader gets, after the abort, to notice and end. */
    static final long AFTER_ABORT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private ReaderStop() {}

    /**
     * Waits for the reader to finish: aborts the connection when the reader is blocked idle or the
     * grace is up, and gives up {@link #AFTER_ABORT_NANOS} after the abort.
     *
     * @return whether the reader finished
     */
    static boolean await(CountDownLatch finished, BooleanSupplier blockedIdle, Connection connection) throws InterruptedException {
        long deadline = System.nanoTime() + GRACE_NANOS;
        long abortedAt = 0;
        while (!finished.await(50, TimeUnit.MILLISECONDS)) {
            if (blockedIdle.getAsBoolean() || System.nanoTime() > deadline) {
                abort(connection); // a blocked read() only ends with its socket
                if (abortedAt == 0) {
                    abortedAt = System.nanoTime();
                }
            }
            if (abortedAt != 0 && System.nanoTime() - abortedAt > AFTER_ABORT_NANOS) {
                return false;
            }
        }
        return true;
    }

    static void abort(Connection c) {
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException e) {
                LOG.debug("abort: {}", e.getMessage());
            }
        }
    }

    static void close(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close(); // the walsender ends with its connection
        } catch (SQLException e) {
            LOG.debug("connection close: {}", e.getMessage());
        }
    }
}
