package dev.lookupkeeper.runtime;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.PgErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sidecar does when its stream stops under it: a slot gone or invalidated is
 * bootstrapped again (at most three times in ten minutes, or never with --on-slot-lost exit), a
 * lost connection is reconnected from the stored checkpoint (at most five times a minute).
 */
final class StreamRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRecovery.class);

    private final Settings settings;
    private final boolean rebootstrapOnSlotLoss;
    private final RetryBudget rebootstraps = new RetryBudget(3, 600_000);
    private final RetryBudget reconnects = new RetryBudget(5, 60_000);

    StreamRecovery(Settings settings, boolean rebootstrapOnSlotLoss) {
        this.settings = settings;
        this.rebootstrapOnSlotLoss = rebootstrapOnSlotLoss;
    }

    /** The slot vanished under the stream: returns to bootstrap again, or throws (exit 6). */
    void slotLost() {
        if (!rebootstrapOnSlotLoss || !rebootstraps.tryAcquire(System.currentTimeMillis())) {
            throw new SlotLostException("replication slot " + settings.slot() + " was dropped or invalidated from outside while streaming"
                    + (rebootstrapOnSlotLoss ? " again and again (3 times in 10 minutes)" : "")
                    + "; restart `lookupkeeper run` to re-bootstrap (slot first, then backfill)");
        }
        LOG.error("replication slot {} was dropped or invalidated from outside while streaming: bootstrapping again"
                + " (slot first, then backfill from the table)", settings.slot());
    }

    /** Whether a stream that failed this way is started again (a lost connection, within the budget). */
    boolean reconnect(Throwable failure) {
        if (failure == null || !PgErrors.isConnectionLoss(failure) || !reconnects.tryAcquire(System.currentTimeMillis())) {
            return false;
        }
        LOG.warn("stream interrupted ({}): reconnecting from the stored checkpoint", CdcPipeline.rootMessage(failure));
        return true;
    }
}
