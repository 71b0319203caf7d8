package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.switching.Switcher;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.selection.MemorySelection;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's streams: the main one into the lookup (CDC mode) and the shadow (trigger mode with
 * --shadow). Starts them when the mode wants them, restarts one that stopped on a lost connection
 * after a pause (`StreamRecovery`), re-bootstraps on a lost slot, and waits for — then terminates —
 * a walsender of a gone connection that still holds the slot. One owner: the control loop's thread.
 */
final class StreamKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(StreamKeeper.class);
    private static final long STALE_HOLDER_MS = 5000;

    private final Settings settings;
    private final SidecarOptions options;
    private final boolean shadow;
    private final Bootstrapper.ProgressSink progress;
    private final PipelineStats stats;
    private final Metrics metrics;
    private final Leadership leadership;
    private final Runnable backfillBeat;
    private final StreamRecovery recovery;
    private volatile CdcPipeline main;
    private CdcPipeline shadowPipeline;
    private SelectionRouter router;
    private boolean memorySelection;
    private Throwable failure;
    private Integer slotHolder;
    private long slotHeldSinceMs;

    /** @param backfillBeat called after each backfill chunk (keeps the instance row fresh during a long one) */
    StreamKeeper(Settings settings, SidecarOptions options, boolean shadow, Bootstrapper.ProgressSink progress, PipelineStats stats,
                 Metrics metrics, Leadership leadership, Runnable backfillBeat) {
        this.settings = settings;
        this.options = options;
        this.shadow = shadow;
        this.progress = progress;
        this.stats = stats;
        this.metrics = metrics;
        this.leadership = leadership;
        this.backfillBeat = backfillBeat;
        this.recovery = new StreamRecovery(settings, options.rebootstrapOnSlotLoss());
    }

    /** The HTTP selection follows the main stream's in-memory model (when HTTP is on). */
    void serveSelection(SelectionRouter router) {
        this.router = router;
        this.memorySelection = router != null && options.memorySelection() && options.source() == StreamSource.PGOUTPUT;
    }

    boolean streaming() {
        CdcPipeline m = main;
        return m != null && m.isStreaming();
    }

    /** Since when this process's stream has kept failing on lock waits; 0: it has not. Any thread. */
    long lockBlockedSinceMs() {
        return recovery.lockBlockedSinceMs();
    }

    /** Another process leads: a lock spell of this one's earlier stream is over. */
    void standingBy() {
        recovery.stoppedStreaming();
    }

    boolean hasStreams() {
        return main != null || shadowPipeline != null;
    }

    /** A stream failure no reconnect can cure (null: none): the process ends with exit 4. */
    Throwable failure() {
        return failure;
    }

    /** One turn of the leader: the streams the mode wants, started, restarted or stopped. */
    void follow(Connection c, ModeStore.ModeState st, long nowMs) throws Exception {
        boolean wantMain = "cdc".equals(st.mode());
        if (wantMain && main == null && recovery.mayStart(nowMs)) {
            tryStartMain(c, nowMs);
        } else if (!wantMain && main != null) {
            LOG.info("trigger mode: stopping the stream");
            closeMain();
            recovery.stoppedStreaming();
        }
        if (main != null && !main.isStreaming()) {
            Throwable t = main.awaitTermination();
            closeMain();
            if (!Slots.exists(c, settings.slot())) {
                slotLost();
                return;
            }
            if (recovery.reconnect(t)) {
                return; // a later turn starts the stream again
            }
            failure = t != null ? t : new IllegalStateException("the stream stopped");
        }
        recovery.streaming(nowMs, streaming());
        boolean wantShadow = shadow && "trigger".equals(st.mode()) && !st.switching();
        if (wantShadow && shadowPipeline == null) {
            shadowPipeline = start(StreamTarget.shadow(settings));
        } else if (!wantShadow && shadowPipeline != null) {
            closeShadow(c);
        }
    }

    /** The slot was dropped or invalidated under the stream: bootstrap again on the next turn, or exit 6. */
    void slotLost() {
        closeMain();
        recovery.slotLost();
    }

    /**
     * Starts streaming. A slot still held by a server process (the walsender of a connection that
     * died, which PostgreSQL has not noticed yet) is waited for, and after {@link #STALE_HOLDER_MS}
     * terminated: no other lookupkeeper streams while this one leads.
     */
    private void tryStartMain(Connection c, long now) throws Exception {
        Integer holder = Slots.activePid(c, settings.slot());
        if (holder != null) {
            if (!holder.equals(slotHolder)) {
                slotHolder = holder;
                slotHeldSinceMs = now;
                LOG.info("slot {} is still held by server process {}: waiting for it to be released", settings.slot(), holder);
            } else if (now - slotHeldSinceMs > STALE_HOLDER_MS) {
                LOG.warn("slot {} held by server process {} for {} s while this process leads: terminating it (a walsender of a"
                        + " connection that is gone)", settings.slot(), holder, (now - slotHeldSinceMs) / 1000);
                Slots.terminateHolder(c, settings.slot(), holder);
                slotHeldSinceMs = now;
            }
            return;
        }
        slotHolder = null;
        try {
            main = start(StreamTarget.main(settings));
        } catch (Leadership.LeadershipLostException e) {
            LOG.warn("{}", e.getMessage());
            closeMain();
            leadership.drop();
        } catch (SQLException | DatabaseNotReadyException | IllegalStateException e) {
            closeMain();
            if (PgErrors.isConnectionLoss(e) || Slots.activePid(c, settings.slot()) != null) {
                recovery.startFailed(e); // the database went away, or a walsender still holds the slot: a later turn retries
                return;
            }
            throw e;
        }
    }

    private CdcPipeline start(StreamTarget target) throws Exception {
        MemorySelection model = target.isMain() && memorySelection ? new MemorySelection(settings) : null;
        // one connection attempt: the control loop retries with backoff, and keeps serving HTTP meanwhile
        CdcPipeline p = new CdcPipeline(settings.withConnectAttempts(1), target, target.isMain() ? stats : new PipelineStats(),
                new CdcPipeline.Options(options.source(), options.rebootstrapOnSlotLoss(), model, options.minBatchInterval(),
                        settings.consistency().strict()));
        try {
            p.start(target.isMain() ? leaderProgress() : progress);
        } catch (Exception e) {
            p.close();
            throw e;
        }
        if (target.isMain() && router != null) {
            router.follow(model, p::isStreaming);
        }
        return p;
    }

    /** The backfill's progress in the metrics; the backfill stops between chunks when leadership is gone. */
    private Bootstrapper.ProgressSink leaderProgress() {
        return new Bootstrapper.ProgressSink() {
            public void start(long total, long done) {
                metrics.bootstrapProgress(done);
                progress.start(total, done);
            }

            public void step(long done) {
                metrics.bootstrapProgress(done);
                progress.step(done);
                leadership.confirm();
                backfillBeat.run();
            }

            public void finish() {
                progress.finish();
            }
        };
    }

    void closeMain() {
        if (router != null) {
            router.follow(null, null);
        }
        if (main != null) {
            main.close();
            main = null;
        }
    }

    /** The shadow slot only serves comparisons: it is dropped with the shadow so it retains no WAL. */
    void closeShadow(Connection c) throws SQLException {
        if (shadowPipeline != null) {
            shadowPipeline.close();
            shadowPipeline = null;
            Switcher.dropSlot(c, settings, StreamTarget.shadow(settings));
            LOG.info("shadow stream stopped, its slot dropped");
        }
    }

    /** Both streams stopped without a word to the database (its connection is gone). */
    void closeAll() {
        closeMain();
        recovery.stoppedStreaming(); // leadership lost, or the process stops: no restart of ours is pending
        if (shadowPipeline != null) {
            shadowPipeline.close();
            shadowPipeline = null;
        }
    }
}
