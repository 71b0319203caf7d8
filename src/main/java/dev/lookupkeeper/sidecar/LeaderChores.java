package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.operations.replay.ReplayWindow;
import dev.lookupkeeper.operations.replay.Replayer;
import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.Slots;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the leader does besides streaming, each turn: the heartbeat through the slot, the slot's
 * presence every second, the queue's own trigger, the replay window, and every 5 s lag and retained
 * WAL of the owned slots and a replay's leftover slot.
 */
final class LeaderChores {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderChores.class);
    private static final long SLOT_CHECK_MS = 1000;
    private static final long WAL_CHECK_MS = 5000;

    private final Settings settings;
    private final Heartbeat heartbeat;
    private final ReplayWindow replayWindow;
    private final SlotWatchdog watchdog;
    private final QueueTriggerWatch queueTriggers;
    private long lastSlotCheckMs;
    private long lastWalCheckMs;
    private long lastReplayWarnMs;
    private boolean wasStreaming;

    LeaderChores(Settings settings, Heartbeat heartbeat, SidecarOptions options, Metrics metrics, QueueTriggerWatch queueTriggers) {
        this.settings = settings;
        this.heartbeat = heartbeat;
        this.replayWindow = new ReplayWindow(settings, options.replayWindow(), options.replayMaxWalBytes());
        this.watchdog = new SlotWatchdog(settings, metrics, options.retainedWalAlertBytes(), options.replayMaxWalBytes());
        this.queueTriggers = queueTriggers;
    }

    /** @return false when the slot is gone (the caller re-bootstraps or exits) */
    boolean run(Connection c, long now, boolean streaming, boolean cdcAndNotSwitching) throws SQLException {
        if (streaming && !wasStreaming) {
            heartbeat.reset(); // a new stream: the first heartbeat a full interval after it started
        }
        wasStreaming = streaming;
        if (streaming) {
            heartbeat.maybeBeat(c, now);
        }
        if (streaming && now - lastSlotCheckMs >= SLOT_CHECK_MS) {
            lastSlotCheckMs = now;
            if (!Slots.exists(c, settings.slot())) {
                return false;
            }
        }
        if (streaming && cdcAndNotSwitching) {
            queueTriggers.maybeCheck(c, now);
        }
        if (streaming) {
            try {
                replayWindow.maintain(c, now);
            } catch (SQLException e) {
                if (PgErrors.isConnectionLoss(e)) {
                    throw e;
                }
                // the replay window is an aid, not the stream: it must never stop the sidecar
                if (now - lastReplayWarnMs > 60_000) {
                    lastReplayWarnMs = now;
                    LOG.warn("replay window not maintained: {}", PgErrors.brief(e));
                }
            }
        }
        if (now - lastWalCheckMs >= WAL_CHECK_MS) {
            lastWalCheckMs = now;
            watchdog.check(c, now);
            // dropLeftover skips a slot whose replay still runs (it holds the replay lock)
            if (streaming && Slots.exists(c, settings.replayingSlot()) && Replayer.dropLeftover(c, settings)) {
                LOG.info("dropped slot {} left by a replay that did not finish", settings.replayingSlot());
            }
        }
        return true;
    }
}
