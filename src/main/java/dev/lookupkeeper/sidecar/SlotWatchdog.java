package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.pg.Slots;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every slot lookupkeeper owns — the stream's and the replay window's — for the WAL it
 * retains, measured from restart_lsn (what PostgreSQL actually keeps). Above the bound it warns
 * once a minute and raises the alert metric.
 */
final class SlotWatchdog {
    private static final Logger LOG = LoggerFactory.getLogger(SlotWatchdog.class);
    /** The replay window keeps up to its own bound on purpose; past it by this much, it is stuck. */
    private static final long REPLAY_SLACK_BYTES = 64L << 20;

    private final Settings settings;
    private final Metrics metrics;
    private final long streamAlertBytes;
    private final long replayAlertBytes;
    private long lastWarnMs;

    SlotWatchdog(Settings settings, Metrics metrics, long streamAlertBytes, long replayMaxWalBytes) {
        this.settings = settings;
        this.metrics = metrics;
        this.streamAlertBytes = streamAlertBytes;
        this.replayAlertBytes = Math.max(streamAlertBytes, replayMaxWalBytes + REPLAY_SLACK_BYTES);
    }

    void check(Connection c, long nowMs) throws SQLException {
        long streamLag = -1;
        long streamRetained = -1;
        long replayRetained = -1;
        Slots.State stream = Slots.state(c, settings.slot());
        if (stream != null) {
            streamLag = orMinusOne(stream.lagBytes());
            streamRetained = orMinusOne(stream.retainedBytes());
        }
        Slots.State replay = Slots.state(c, settings.replaySlot());
        if (replay != null) {
            replayRetained = orMinusOne(replay.retainedBytes());
        }
        boolean streamAlert = streamRetained > streamAlertBytes;
        boolean replayAlert = replayRetained > replayAlertBytes;
        metrics.slot(streamLag, streamRetained, streamAlert || replayAlert);
        metrics.replayWindow(replayRetained);
        if ((streamAlert || replayAlert) && nowMs - lastWarnMs > 60_000) {
            lastWarnMs = nowMs;
            if (streamAlert) {
                LOG.warn("slot {} retains {} MB of WAL (alert above {} MB): is the sidecar streaming and keeping up?",
                        settings.slot(), streamRetained >> 20, streamAlertBytes >> 20);
            }
            if (replayAlert) {
                LOG.warn("replay window slot {} retains {} MB of WAL (alert above {} MB): it is not advancing; `--replay-window 0` drops it",
                        settings.replaySlot(), replayRetained >> 20, replayAlertBytes >> 20);
            }
        }
    }

    /** -1 stands for "unknown" in the gauges. */
    private static long orMinusOne(Long bytes) {
        return bytes == null ? -1 : bytes;
    }
}
