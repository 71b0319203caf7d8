package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.PgErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sidecar does when its stream stops under it: a slot gone or invalidated is
 * bootstrapped again (at most three times in ten minutes, or never with --on-slot-lost exit), a
 * lost connection is reconnected from the stored checkpoint, as often as it takes, with capped
 * backoff (a restarting PostgreSQL refuses connections for a while; the sidecar waits it out), and
 * so is a lookup statement that gave up waiting for a lock: DDL on the queue's tables ends the
 * stream, not the process.
 */
final class StreamRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRecovery.class);

    private final Settings settings;
    private final boolean rebootstrapOnSlotLoss;
    private final RetryBudget rebootstraps = new RetryBudget(3, 600_000);
    private final Backoff backoff = new Backoff(100, 2000);
    private long retryAtMs;
    private long healthySinceMs;
    private final java.util.concurrent.atomic.AtomicLong lockBlockedSinceMs = new java.util.concurrent.atomic.AtomicLong();
    /** A stream that has run this long since its last start is past whatever lock stopped it before. */
    static final long LOCK_SPELL_OVER_MS = 3_000;

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

    /** Whether a stream that failed this way is started again (a lost connection: always, after a pause). */
    boolean reconnect(Throwable failure) {
        if (failure != null && PgErrors.isLockTimeout(failure)) {
            long now = System.currentTimeMillis();
            lockBlockedSinceMs.compareAndSet(0, now); // a spell already running keeps its start
            long pause = backoff.next();
            retryAtMs = now + pause;
            LOG.warn("the lookup's statement gave up waiting for a lock ({}; DDL on the queue's tables, or a long lock on the lookup"
                    + " table): streaming again from the stored checkpoint in {} ms", CdcPipeline.rootMessage(failure), pause);
            return true;
        }
        if (failure == null || !PgErrors.isConnectionLoss(failure)) {
            return false;
        }
        long pause = backoff.next();
        retryAtMs = System.currentTimeMillis() + pause;
        LOG.warn("stream interrupted ({}): reconnecting from the stored checkpoint in {} ms", CdcPipeline.rootMessage(failure), pause);
        return true;
    }

    /**
     * Since when the stream has kept failing on lock waits (0: it has not). Strict: commits wait for
     * it meanwhile, and may be what holds the lock (a DDL queued behind them, the stream's statement
     * queued behind the DDL), so the guard fails open after --strict-failover. The spell ends once a
     * restarted stream has run {@link #LOCK_SPELL_OVER_MS} without failing (a stream stuck on a
     * batch fails within moments of every start), or when this process stops streaming for good.
     * Read by the guard's thread; written by the control loop's.
     */
    long lockBlockedSinceMs() {
        return lockBlockedSinceMs.get();
    }

    /** This process no longer streams (leadership lost, trigger mode): no spell of its own goes on. */
    void stoppedStreaming() {
        lockBlockedSinceMs.set(0);
    }

    /** A start that failed for a lost connection: try again after a pause. */
    void startFailed(Throwable failure) {
        long pause = backoff.next();
        retryAtMs = System.currentTimeMillis() + pause;
        LOG.warn("cannot start the stream ({}): trying again in {} ms", CdcPipeline.rootMessage(failure), pause);
    }

    /** Whether the pause after the last failure is over. */
    boolean mayStart(long nowMs) {
        return nowMs >= retryAtMs;
    }

    /** Called while streaming: after 30 s of it the pauses start small again. */
    void streaming(long nowMs, boolean isStreaming) {
        if (!isStreaming) {
            healthySinceMs = 0;
            return;
        }
        if (healthySinceMs == 0) {
            healthySinceMs = nowMs;
        } else if (nowMs - healthySinceMs > 30_000) {
            backoff.reset();
        }
        if (healthySinceMs != 0 && nowMs - healthySinceMs >= LOCK_SPELL_OVER_MS) {
            lockBlockedSinceMs.set(0);
        }
    }
}
