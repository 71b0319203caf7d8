package dev.lookupkeeper.runtime;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.bootstrap.Bootstrapper;
import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.install.Installer;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.mode.Switcher;
import dev.lookupkeeper.ops.HttpApi;
import dev.lookupkeeper.ops.Metrics;
import dev.lookupkeeper.ops.PipelineStats;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.StrictPreflight;
import dev.lookupkeeper.replay.ReplayWindow;
import dev.lookupkeeper.replay.Replayer;
import dev.lookupkeeper.select.PartitionSelector;
import dev.lookupkeeper.select.MemorySelection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What `run` runs. It follows the mode stored in lookupkeeper.state: in CDC mode it streams into
 * the lookup, unless another process holds the slot — then it waits as a standby and takes over
 * when the slot is released; in trigger mode it streams nothing (or, with shadow, into the shadow
 * table). Every mode serves the selection over HTTP. The control loop also sends the heartbeat
 * that keeps the slot moving on an idle queue, and watches the slot: a slot dropped or invalidated
 * from outside ends the process within seconds instead of letting Debezium retry for half an hour.
 */
public final class SidecarRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarRuntime.class);
    private static final long POLL_MS = 200;
    private static final long SLOT_CHECK_MS = 1000;
    private static final long WAL_CHECK_MS = 5000;
    private static final long STALE_HOLDER_MS = 5000;

    private final Settings settings;
    private final SidecarOptions options;
    private final boolean shadow;
    private final Bootstrapper.ProgressSink progress;
    private final PipelineStats stats = new PipelineStats();
    private final Metrics metrics = new Metrics(stats);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final ReplayWindow replayWindow;
    private final SlotWatchdog watchdog;
    private Heartbeat heartbeat;
    private StrictGuard strictGuard;
    private QueueTriggerWatch queueTriggers;
    private CdcPipeline main;
    private final StreamRecovery recovery;
    private SelectionRouter router;
    private CdcPipeline shadowPipeline;
    private HikariDataSource selectPool;
    private HttpApi http;
    private volatile Throwable failure;
    private volatile String mode = "cdc";
    private volatile boolean standby;
    private boolean switching;
    private volatile long loopAtMs;
    private final Leadership leadership;
    private final InstanceRegistry registry;
    private String followed;
    private boolean announcedLeader;
    private volatile boolean databaseDown;
    private volatile Connection control;
    private Integer slotHolder;
    private long slotHeldSinceMs;
    private long lastSlotCheckMs;
    private long lastWalCheckMs;
    private long lastReplayWarnMs;

    public SidecarRuntime(Settings settings, SidecarOptions options, boolean shadow, Bootstrapper.ProgressSink progress) {
        this.settings = settings;
        this.options = options;
        this.shadow = shadow;
        this.progress = progress;
        this.replayWindow = new ReplayWindow(settings, options.replayWindow(), options.replayMaxWalBytes());
        this.recovery = new StreamRecovery(settings, options.rebootstrapOnSlotLoss());
        this.watchdog = new SlotWatchdog(settings, metrics, options.retainedWalAlertBytes(), options.replayMaxWalBytes());
        this.leadership = new Leadership(settings);
        this.registry = new InstanceRegistry(settings);
    }

    /** Checks and installs (before anything streams), then follows the mode until {@link #stop()}. */
    public void run() throws Exception {
        Connection c = Database.connectWithRetry(settings.connection(), "lookupkeeper-control", settings.connectAttempts());
        try {
            prepare(c);
            c = loop(c);
            LOG.info("stopping: finishing the batch in flight and releasing the slot");
            boolean wasStreaming = main != null && main.isStreaming();
            closeMain();
            if (c != null) {
                if (wasStreaming) {
                    strictGuard.afterCleanStop(c);
                }
                closeShadow(c);
                if (leadership.held()) {
                    new ModeStore(settings).heartbeat(c, false);
                }
                registry.remove(c);
            }
        } finally {
            leadership.close();
            closeQuietly(c);
        }
    }

    /** Install, HTTP, the strict preflight and guards: everything before the loop, on the first connection. */
    private void prepare(Connection c) throws Exception {
        String initial = currentMode(c);
        heartbeat = Heartbeat.forServer(c, settings, options.heartbeat(), options.source());
        // trigger mode needs neither wal_level=logical nor REPLICATION unless a shadow streams
        new Installer(settings).install(c, "cdc".equals(initial) || shadow);
        ModeStore store = new ModeStore(settings);
        if (options.http().enabled()) {
            selectPool = Database.pool(settings.connection(), "lookupkeeper-select", 4);
            router = new SelectionRouter(dev.lookupkeeper.select.BoundedSelection.withDefaults(new PartitionSelector(selectPool, settings)),
                    stats, options.readyBound());
            http = new HttpApi(options.http(), router::candidates, metrics, this::ready, this::readiness);
        }
        if (settings.consistency().strict()) {
            if (options.source() != StreamSource.PGOUTPUT) {
                throw new dev.lookupkeeper.config.ConfigException("--consistency strict needs the native stream (--source pgoutput):"
                        + " it confirms each commit the moment its lookup row is committed");
            }
            StrictPreflight.check(c, settings);
        }
        store.setConsistency(c, settings.consistency().consistency().label(), settings.consistency().applicationName());
        strictGuard = new StrictGuard(settings, metrics, () -> {
            CdcPipeline m = main;
            return m != null && m.isStreaming();
        }, () -> "cdc".equals(mode));
        strictGuard.start();
        queueTriggers = new QueueTriggerWatch(new dev.lookupkeeper.mode.QueueTriggers(settings), settings.consistency().dropQueueTrigger());
        if ("trigger".equals(store.read(c).mode())) {
            // a selection slot left by a process that died while streaming retains WAL: nobody streams it in trigger mode;
            // neither does anybody keep the replay window there
            Slots.dropIfInactive(c, settings.selectionSlot());
            ReplayWindow.drop(c, settings);
        }
        LOG.info("mode: {}; instance {}", store.read(c).mode(), registry.id());
        leadership.start();
    }

    /**
     * Turns until stopped. A lost connection to PostgreSQL (a restart, a reset, a stalled socket)
     * never ends the process: the stream stops, leadership is given up, and the loop reconnects
     * with capped backoff while HTTP stays up (live 200, ready 503). Returns the connection it ends
     * with (null when stopped while disconnected).
     */
    private Connection loop(Connection first) throws Exception {
        Connection c = first;
        Backoff backoff = new Backoff(100, 2000);
        while (stop.getCount() > 0) {
            if (c == null) {
                c = reconnect();
                if (c == null) {
                    stop.await(backoff.next(), TimeUnit.MILLISECONDS);
                    continue;
                }
                backoff.reset();
            }
            try {
                control = c;
                turn(c);
            } catch (SQLException | RuntimeException e) {
                if (!PgErrors.isConnectionLoss(e)) {
                    throw e;
                }
                onConnectionLost(e);
                closeQuietly(c);
                c = null;
                continue;
            }
            loopAtMs = System.currentTimeMillis();
            stop.await(POLL_MS, TimeUnit.MILLISECONDS);
        }
        return c;
    }

    private void turn(Connection c) throws Exception {
        ModeStore store = new ModeStore(settings);
        ModeStore.ModeState st = store.read(c);
        mode = st.mode();
        if (!st.mode().equals(followed)) {
            if (followed != null) {
                LOG.info("mode changed: {} -> {}", followed, st.mode());
            }
            followed = st.mode();
        }
        switching = st.switching();
        long now = System.currentTimeMillis();
        boolean leads = leadership.held();
        if (leads) {
            if (standby) {
                LOG.info("taking over: the leader lock was released; this process leads, bootstraps and streams now (instance {})",
                        registry.id());
            } else if (!announcedLeader) {
                LOG.info("leader: this process holds the leader lock; it bootstraps and streams (instance {})", registry.id());
            }
            announcedLeader = true;
            standby = false;
            follow(c, st);
        } else {
            if (main != null || shadowPipeline != null) {
                LOG.warn("no longer the leader: stopping the stream");
                closeMain();
                closeShadow(c);
            }
            if (!standby) {
                LOG.info("standby: another process leads (holds the leader lock); serving selection and waiting to take over");
            }
            standby = true;
        }
        boolean streaming = main != null && main.isStreaming();
        recovery.streaming(now, streaming);
        if (leads) {
            store.heartbeat(c, streaming);
        }
        registry.maybeBeat(c, now, leads, leadership.backendPid(), streaming, false);
        if (router != null) {
            router.clockOffset(registry.clockOffsetMs());
        }
        metrics.mode("cdc".equals(st.mode()), streaming, standby);
        metrics.leader(leads);
        if (leads) {
            watch(c, streaming);
        }
        if (router != null) {
            router.announce();
        }
        if (failure != null) {
            throw new StreamFailedException(CdcPipeline.rootMessage(failure), failure);
        }
    }

    private Connection reconnect() {
        try {
            Connection c = Database.connect(settings.connection(), "lookupkeeper-control");
            LOG.info("reconnected to PostgreSQL");
            metrics.databaseUp(true);
            metrics.reconnected();
            databaseDown = false;
            return c;
        } catch (SQLException e) {
            return null;
        }
    }

    private void onConnectionLost(Exception e) {
        LOG.warn("lost the connection to PostgreSQL ({}): stopping the stream and reconnecting; HTTP stays up, not ready meanwhile",
                CdcPipeline.rootMessage(e));
        databaseDown = true;
        metrics.databaseUp(false);
        metrics.leader(false);
        closeMain();
        if (shadowPipeline != null) {
            shadowPipeline.close();
            shadowPipeline = null;
        }
        leadership.drop();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // gone already
            }
        }
    }

    private void follow(Connection c, ModeStore.ModeState st) throws Exception {
        boolean wantMain = "cdc".equals(st.mode());
        if (wantMain && main == null && recovery.mayStart(System.currentTimeMillis())) {
            tryStartMain(c);
        } else if (!wantMain && main != null) {
            LOG.info("trigger mode: stopping the stream");
            closeMain();
        }
        if (main != null && !main.isStreaming()) {
            Throwable t = main.awaitTermination();
            closeMain();
            if (!Slots.exists(c, settings.slot())) {
                onSlotLost();
                return;
            }
            if (recovery.reconnect(t)) {
                return; // a later turn of the loop starts the stream again
            }
            failure = t != null ? t : new IllegalStateException("the stream stopped");
        }
        boolean wantShadow = shadow && "trigger".equals(st.mode()) && !st.switching();
        if (wantShadow && shadowPipeline == null) {
            shadowPipeline = start(StreamTarget.shadow(settings));
        } else if (!wantShadow && shadowPipeline != null) {
            closeShadow(c);
        }
    }

    /**
     * As the leader: starts streaming. A slot still held by a server process (the walsender of a
     * connection that died, which PostgreSQL has not noticed yet) is waited for, and after
     * {@link #STALE_HOLDER_MS} terminated: no other lookupkeeper streams while this one leads.
     */
    private void tryStartMain(Connection c) throws Exception {
        long now = System.currentTimeMillis();
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
            heartbeat.reset();
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

    /** Heartbeat, slot presence, retained WAL. */
    private void watch(Connection c, boolean streaming) throws SQLException {
        long now = System.currentTimeMillis();
        if (streaming) {
            heartbeat.maybeBeat(c, now);
        }
        if (streaming && now - lastSlotCheckMs >= SLOT_CHECK_MS) {
            lastSlotCheckMs = now;
            if (!Slots.exists(c, settings.slot())) {
                onSlotLost();
                return;
            }
        }
        if (streaming && "cdc".equals(mode) && !switching) {
            queueTriggers.maybeCheck(c, now);
        }
        if (streaming) {
            try {
                replayWindow.maintain(c, now);
            } catch (SQLException e) {
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
    }

    /** The slot was dropped or invalidated under the stream: bootstrap again on the next turn, or exit 6. */
    private void onSlotLost() {
        closeMain();
        recovery.slotLost();
    }

    private CdcPipeline start(StreamTarget target) throws Exception {
        boolean memory = target.isMain() && options.memorySelection() && http != null && options.source() == StreamSource.PGOUTPUT;
        MemorySelection model = memory ? new MemorySelection(settings) : null;
        // one connection attempt: the control loop retries with backoff, and keeps serving HTTP meanwhile
        CdcPipeline p = new CdcPipeline(settings.withConnectAttempts(1), target, target.isMain() ? stats : new PipelineStats(),
                new CdcPipeline.Options(options.source(), options.rebootstrapOnSlotLoss(), model, options.minBatchInterval(),
                        settings.consistency().strict()));
        try {
            p.start(target.isMain() ? withMetrics(progress) : progress);
        } catch (Exception e) {
            p.close();
            throw e;
        }
        if (target.isMain() && router != null) {
            router.follow(model, p::isStreaming);
        }
        return p;
    }

    private Bootstrapper.ProgressSink withMetrics(Bootstrapper.ProgressSink inner) {
        return new Bootstrapper.ProgressSink() {
            public void start(long total, long done) {
                metrics.bootstrapProgress(done);
                inner.start(total, done);
            }

            public void step(long done) {
                metrics.bootstrapProgress(done);
                inner.step(done);
                // a backfill is the leader's work: it stops when the leader session is gone, and keeps the instance row fresh
                leadership.confirm();
                Connection c = control;
                if (c != null) {
                    try {
                        registry.maybeBeat(c, System.currentTimeMillis(), true, leadership.backendPid(), false, false);
                    } catch (SQLException e) {
                        // the control loop finds out on its next turn
                    }
                }
            }

            public void finish() {
                inner.finish();
            }
        };
    }

    private void closeMain() {
        if (router != null) {
            router.follow(null, null);
        }
        if (main != null) {
            main.close();
            main = null;
        }
    }

    /** The shadow slot only serves comparisons: it is dropped with the shadow so it retains no WAL. */
    private void closeShadow(Connection c) throws SQLException {
        if (shadowPipeline != null) {
            shadowPipeline.close();
            shadowPipeline = null;
            Switcher.dropSlot(c, settings, StreamTarget.shadow(settings));
            LOG.info("shadow stream stopped, its slot dropped");
        }
    }

    /** Ready: the control loop is alive, and in CDC mode this process streams with a recent batch or heartbeat. */
    public boolean ready() {
        if (databaseDown) {
            return false;
        }
        long now = System.currentTimeMillis();
        if (now - loopAtMs > 10_000) {
            return false;
        }
        if ("trigger".equals(mode)) {
            return true;
        }
        CdcPipeline m = main;
        return m != null && m.isStreaming() && now - stats.lastBatchAtMs() < options.readyBound().toMillis();
    }

    public String readiness() {
        if (databaseDown) {
            return "reconnecting to PostgreSQL";
        }
        if ("trigger".equals(mode)) {
            return "trigger mode";
        }
        if (standby) {
            return "standby: another process leads and streams from slot " + settings.slot();
        }
        CdcPipeline m = main;
        if (m == null || !m.isStreaming()) {
            return "not streaming";
        }
        long age = System.currentTimeMillis() - stats.lastBatchAtMs();
        return "streaming; last batch or heartbeat " + age + " ms ago";
    }

    private String currentMode(Connection c) throws SQLException {
        if (!Catalog.exists(c, Identifiers.quote(settings.schema()) + ".state")) {
            return "cdc";
        }
        return new ModeStore(settings).read(c).mode();
    }



    public PipelineStats stats() {
        return stats;
    }

    public int httpPort() {
        return http == null ? 0 : http.port();
    }

    public void stop() {
        stop.countDown();
    }

    @Override
    public void close() {
        if (strictGuard != null) {
            strictGuard.close();
        }
        closeMain();
        if (shadowPipeline != null) {
            shadowPipeline.close();
        }
        if (http != null) {
            http.close();
        }
        if (selectPool != null) {
            selectPool.close();
        }
    }

    /** The stream failed while running (exit 4). */
    public static final class StreamFailedException extends RuntimeException {
        public StreamFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
