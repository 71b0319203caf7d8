package dev.lookupkeeper.sidecar;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.http.HttpApi;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.operations.replay.ReplayWindow;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.SocketTimeouts;
import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.StrictPreflight;
import dev.lookupkeeper.selection.BoundedSelection;
import dev.lookupkeeper.selection.PartitionSelector;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What `run` runs: a control loop every 200 ms. The process that holds the leader lock
 * ({@link Leadership}) follows the mode stored in lookupkeeper.state — in CDC mode it streams into
 * the lookup ({@link StreamKeeper}), in trigger mode nothing (or, with shadow, the shadow table) —
 * and does the leader's chores ({@link LeaderChores}); the others are standbys. Every process
 * writes its own instance row and serves the selection over HTTP. A lost connection to PostgreSQL
 * never ends the loop: it stops streaming, gives leadership up and reconnects with capped backoff.
 */
public final class SidecarRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarRuntime.class);
    private static final long POLL_MS = 200;
    /** When the loop's current turn started (0: between turns), for {@link StopDeadline}. */
    private volatile long turnStartedNanos;
    private volatile boolean stopped;

    private final Settings settings;
    private final SidecarOptions options;
    private final boolean shadow;
    private final PipelineStats stats = new PipelineStats();
    private final Metrics metrics = new Metrics(stats);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Leadership leadership;
    private final InstanceRegistry registry;
    private final StreamKeeper streams;
    private LeaderChores chores;
    private StrictGuard strictGuard;
    private SelectionRouter router;
    private HikariDataSource selectPool;
    private HttpApi http;
    private final Readiness readiness;
    private volatile Connection control;
    private String followed;
    private boolean announcedLeader;

    public SidecarRuntime(Settings settings, SidecarOptions options, boolean shadow, Bootstrapper.ProgressSink progress) {
        this.settings = settings;
        this.options = options;
        this.shadow = shadow;
        this.leadership = new Leadership(settings);
        this.registry = new InstanceRegistry(settings);
        this.streams = new StreamKeeper(settings, options, shadow, progress, stats, metrics, leadership, this::beatDuringBackfill);
        this.readiness = new Readiness(settings.slot(), options.readyBound(), stats, streams::streaming);
    }

    /** Checks and installs (before anything streams), then follows the mode until {@link #stop()}. */
    public void run() throws Exception {
        Connection c = Database.connectWithRetry(settings.connection(), "lookupkeeper-control", settings.connectAttempts(),
                SocketTimeouts.CONTROL);
        try {
            prepare(c);
            c = loop(c);
            LOG.info("stopping: finishing the batch in flight and releasing the slot");
            boolean wasStreaming = streams.streaming();
            streams.closeMain();
            new CleanStop(settings, strictGuard, streams, leadership, registry).tidyUp(c, wasStreaming);
        } finally {
            stopped = true;
            leadership.close();
            Database.closeQuietly(c);
        }
    }

    /** Install, HTTP, the strict preflight and guards: everything before the loop, on the first connection. */
    private void prepare(Connection c) throws Exception {
        // before the mode is read: a role without USAGE on the schema would fail there, naming nothing else
        Preflight.requireRights(c, settings, Privileges.Access.WRITE, Preflight.Slot.UNLESS_TRIGGER_MODE);
        String failoverWarning = Preflight.checkFailoverSlot(c, settings);
        if (failoverWarning != null) {
            LOG.warn("{}", failoverWarning);
        }
        String initial = new ModeStore(settings).modeOrCdc(c);
        Heartbeat heartbeat = Heartbeat.forServer(c, settings, options.heartbeat(), options.source());
        // trigger mode needs neither wal_level=logical nor REPLICATION unless a shadow streams
        new Installer(settings).install(c, "cdc".equals(initial) || shadow);
        ModeStore store = new ModeStore(settings);
        if (options.http().enabled()) {
            selectPool = Database.pool(settings.connection(), "lookupkeeper-select", 4, null, SocketTimeouts.SELECTION);
            router = new SelectionRouter(BoundedSelection.withDefaults(new PartitionSelector(selectPool, settings)), stats, options.readyBound());
            http = new HttpApi(options.http(), router::candidates, metrics, readiness::ready, readiness::describe);
            streams.serveSelection(router);
        }
        if (settings.consistency().strict()) {
            if (options.source() != StreamSource.PGOUTPUT) {
                throw new dev.lookupkeeper.config.ConfigException("--consistency strict needs the native stream (--source pgoutput):"
                        + " it confirms each commit the moment its lookup row is committed");
            }
            StrictPreflight.check(c, settings);
        }
        store.setConsistency(c, settings.consistency().consistency().label(), settings.consistency().applicationName());
        strictGuard = new StrictGuard(settings, metrics, streams::streaming, () -> "cdc".equals(readiness.mode()),
                () -> leadership.held() && "cdc".equals(readiness.mode()) ? streams.lockBlockedSinceMs() : 0);
        strictGuard.start();
        chores = new LeaderChores(settings, heartbeat, options, metrics,
                new QueueTriggerWatch(new dev.lookupkeeper.mode.QueueTriggers(settings), settings.consistency().dropQueueTrigger(),
                settings.consistency().strict()));
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
                turnStartedNanos = System.nanoTime();
                turn(c);
            } catch (SQLException | RuntimeException e) {
                if (!PgErrors.isConnectionLoss(e)) {
                    throw e;
                }
                turnStartedNanos = 0;
                onConnectionLost(e);
                Database.closeQuietly(c);
                c = null;
                continue;
            }
            turnStartedNanos = 0;
            readiness.turned();
            stop.await(POLL_MS, TimeUnit.MILLISECONDS);
        }
        return c;
    }

    private void turn(Connection c) throws Exception {
        ModeStore store = new ModeStore(settings);
        ModeStore.ModeState st = store.read(c);
        readiness.mode(st.mode());
        if (!st.mode().equals(followed)) {
            if (followed != null) {
                LOG.info("mode changed: {} -> {}", followed, st.mode());
            }
            followed = st.mode();
        }
        long now = System.currentTimeMillis();
        boolean leads = leadership.held();
        if (leads) {
            announceLeader();
            streams.follow(c, st, now);
        } else {
            if (streams.hasStreams()) {
                LOG.warn("no longer the leader: stopping the stream");
                streams.closeMain();
                streams.closeShadow(c);
            }
            streams.standingBy();
            if (!readiness.standby()) {
                LOG.info("standby: another process leads (holds the leader lock); serving selection and waiting to take over");
            }
            readiness.standby(true);
        }
        boolean streaming = streams.streaming();
        if (leads) {
            store.heartbeat(c, streaming);
        }
        registry.maybeBeat(c, now, leads, leadership.backendPid(), streaming, false);
        metrics.mode("cdc".equals(st.mode()), streaming, readiness.standby());
        metrics.leader(leads);
        if (leads && !chores.run(c, now, streaming, "cdc".equals(st.mode()) && !st.switching())) {
            streams.slotLost();
        }
        if (router != null) {
            router.clockOffset(registry.clockOffsetMs());
            router.announce();
        }
        Throwable failure = streams.failure();
        if (failure != null) {
            throw new StreamFailedException(CdcPipeline.rootMessage(failure), failure);
        }
    }

    private void announceLeader() {
        if (readiness.standby()) {
            LOG.info("taking over: the leader lock was released; this process leads, bootstraps and streams now (instance {})", registry.id());
        } else if (!announcedLeader) {
            LOG.info("leader: this process holds the leader lock; it bootstraps and streams (instance {})", registry.id());
        }
        announcedLeader = true;
        readiness.standby(false);
    }

    /** A long backfill blocks the loop: its chunks keep the instance row fresh. */
    private void beatDuringBackfill() {
        Connection c = control;
        if (c != null) {
            try {
                registry.maybeBeat(c, System.currentTimeMillis(), true, leadership.backendPid(), false, false);
            } catch (SQLException e) {
                // the control loop finds out on its next turn
            }
        }
    }

    private Connection reconnect() {
        try {
            Connection c = Database.connect(settings.connection(), "lookupkeeper-control", SocketTimeouts.CONTROL);
            LOG.info("reconnected to PostgreSQL");
            metrics.databaseUp(true);
            metrics.reconnected();
            readiness.databaseDown(false);
            return c;
        } catch (SQLException e) {
            return null;
        }
    }

    private void onConnectionLost(Exception e) {
        LOG.warn("lost the connection to PostgreSQL ({}): stopping the stream and reconnecting; HTTP stays up, not ready meanwhile",
                CdcPipeline.rootMessage(e));
        readiness.databaseDown(true);
        metrics.databaseUp(false);
        metrics.leader(false);
        streams.closeAll();
        leadership.drop();
    }

    public PipelineStats stats() {
        return stats;
    }

    public int httpPort() {
        return http == null ? 0 : http.port();
    }

    /**
     * Asks the loop to stop. A connection that does not answer (a network that went dark) must not
     * hold the stop up: a turn of the loop still waiting on the control connection shortly after the
     * stop was asked has that connection aborted ({@link StopDeadline}), so it fails at once instead
     * of at its socket timeout; nothing else is aborted.
     */
    public void stop() {
        if (stop.getCount() == 0) {
            return;
        }
        stop.countDown();
        StopDeadline.watch(() -> stopped, () -> turnStartedNanos, () -> control);
    }

    @Override
    public void close() {
        if (strictGuard != null) {
            strictGuard.close();
        }
        streams.closeAll();
        if (http != null) {
            http.close();
        }
        if (selectPool != null) {
            selectPool.close();
        }
    }
}
