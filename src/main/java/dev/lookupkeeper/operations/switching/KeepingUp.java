package dev.lookupkeeper.operations.switching;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.Watermarks;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the stream keeps up, asked again and again by a switch to CDC before it drops the
 * trigger: a watermark is committed, and once the stream has applied it the round trip is judged;
 * too slow, and another is committed. Passing one watermark is not enough: a stream that just
 * started (a Debezium engine, a cold JVM) may pass it seconds behind, and every message committed
 * after the trigger is gone would then be missing from the lookup for that long. A round trip
 * within {@link #KEPT_UP}, or two in a row of the same length (a steady lag, such as a long poll
 * interval gives), is keeping up. The trigger keeps the lookup complete while this waits.
 */
final class KeepingUp {
    private static final Logger LOG = LoggerFactory.getLogger(KeepingUp.class);
    /** A watermark applied within this of its commit proves the stream keeps up. */
    static final Duration KEPT_UP = Duration.ofMillis(500);

    private final Connection c;
    private final Settings settings;
    private final ModeStore store;
    private long mark;
    private long committedNanos;
    private long previousMs;

    KeepingUp(Connection c, Settings settings, ModeStore store) {
        this.c = c;
        this.settings = settings;
        this.store = store;
    }

    /** One look: false while a watermark is on its way or came back too slowly (another is then sent). */
    boolean proven() throws SQLException {
        if (mark == 0) {
            mark = Watermarks.insert(c, settings);
            committedNanos = System.nanoTime();
            store.setSwitchWatermark(c, mark);
            return false;
        }
        if (Watermarks.applied(c, settings, StreamTarget.MAIN) < mark) {
            return false;
        }
        long tookMs = (System.nanoTime() - committedNanos) / 1_000_000;
        // a round trip as long as the one before (not shorter by a fifth, not longer) is the
        // stream's steady lag — e.g. a long --poll-interval-ms — not a stream still catching up
        boolean steady = previousMs > 0 && tookMs <= previousMs && tookMs * 5 >= previousMs * 4;
        if (tookMs <= KEPT_UP.toMillis() || steady) {
            return true;
        }
        LOG.info("the stream applied watermark {} {} ms after its commit: waiting until it keeps up", mark, tookMs);
        previousMs = tookMs;
        mark = 0;
        return false;
    }
}
