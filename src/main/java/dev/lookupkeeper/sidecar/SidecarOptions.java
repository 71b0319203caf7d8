package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.ConfigException;
import java.time.Duration;

/**
 * What only a running sidecar needs.
 *
 * @param http where the HTTP API listens (port 0 = off) and its token
 * @param heartbeat how often a watermark row goes through the slot, so the slot's position moves
 *                  (and WAL is released) even when the queue is idle
 * @param retainedWalAlertBytes retained WAL above this raises a warning and the alert metric
 * @param memorySelection serve HTTP selection from the in-memory model (fed by the stream) when it can
 * @param replayWindow how far back `replay` can reach (zero: no replay slot)
 * @param replayMaxWalBytes the replay slot never keeps more WAL than this, whatever the window
 * @param source the slot's reader
 * @param rebootstrapOnSlotLoss a slot lost, gone or moved by someone else is re-bootstrapped (else exit 6)
 * @param minBatchInterval native reader: at most one lookup transaction per interval while data keeps arriving
 */
public record SidecarOptions(dev.lookupkeeper.http.HttpOptions http, Duration heartbeat, long retainedWalAlertBytes, boolean memorySelection,
                             Duration replayWindow, long replayMaxWalBytes, StreamSource source, boolean rebootstrapOnSlotLoss,
                             Duration minBatchInterval) {
    public SidecarOptions {
        if (replayWindow.isNegative() || replayWindow.toDays() > 7) {
            throw new ConfigException("--replay-window must be between 0 (off) and 7d");
        }
        if (replayMaxWalBytes < 1024 * 1024) {
            throw new ConfigException("--replay-max-wal-mb must be at least 1");
        }
        if (minBatchInterval.isNegative() || minBatchInterval.toMillis() > 1000) {
            throw new ConfigException("--min-batch-interval must be between 0 and 1s");
        }
        if (heartbeat.toMillis() < 100 || heartbeat.toMinutes() > 60) {
            throw new ConfigException("--heartbeat-ms must be between 100 and 3600000");
        }
        if (retainedWalAlertBytes < 1024 * 1024) {
            throw new ConfigException("--max-retained-wal-mb must be at least 1");
        }
    }


    /** Readiness fails when neither a batch nor a heartbeat went through for this long. */
    public Duration readyBound() {
        Duration three = heartbeat.multipliedBy(3);
        return three.compareTo(Duration.ofSeconds(30)) < 0 ? Duration.ofSeconds(30) : three;
    }
}
