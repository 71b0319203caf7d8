package dev.lookupkeeper.sidecar;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Once a stop was asked: a turn of the control loop still waiting on the control connection
 * {@link #ABORT_AFTER_MS} later has that connection aborted — a statement on a connection that went
 * dark would otherwise wait for its socket timeout. A healthy turn takes milliseconds; the stream's
 * close and the tidying up have bounds of their own, and are never aborted.
 */
final class StopDeadline {
    private static final Logger LOG = LoggerFactory.getLogger(StopDeadline.class);
    static final long ABORT_AFTER_MS = 2000;

    private StopDeadline() {}

    /**
     * @param stopped     whether the stop is done (the watch ends)
     * @param turnStarted when the loop's current turn started, 0 between turns
     * @param control     the control connection now
     */
    static void watch(BooleanSupplier stopped, LongSupplier turnStarted, Supplier<Connection> control) {
        long stopAt = System.nanoTime();
        Thread t = new Thread(() -> {
            while (!stopped.getAsBoolean()) {
                long turnAt = turnStarted.getAsLong();
                if (turnAt != 0 && System.nanoTime() - Math.max(turnAt, stopAt) > TimeUnit.MILLISECONDS.toNanos(ABORT_AFTER_MS)) {
                    Connection c = control.get();
                    if (c != null) {
                        LOG.warn("stopping: the control connection's statement has not answered for {} s: closing it", ABORT_AFTER_MS / 1000);
                        try {
                            c.abort(Runnable::run);
                        } catch (SQLException e) {
                            // closed already
                        }
                    }
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "stop-deadline");
        t.setDaemon(true);
        t.start();
    }
}
