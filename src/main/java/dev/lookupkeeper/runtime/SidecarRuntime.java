package dev.lookupkeeper.runtime;

import dev.lookupkeeper.bootstrap.Bootstrapper;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.install.Installer;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.mode.Switcher;
import dev.lookupkeeper.ops.PipelineStats;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What `run` runs: follows the mode stored in lookupkeeper.state. In CDC mode it streams into the
 * lookup; in trigger mode it streams nothing (or, with shadow, streams into the shadow table for
 * parity checks). It reports a heartbeat so `switch` can tell that a sidecar is there.
 */
public final class SidecarRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarRuntime.class);
    private static final long POLL_MS = 200;

    private final Settings settings;
    private final boolean shadow;
    private final Bootstrapper.ProgressSink progress;
    private final PipelineStats stats = new PipelineStats();
    private final CountDownLatch stop = new CountDownLatch(1);
    private CdcPipeline main;
    private CdcPipeline shadowPipeline;
    private volatile Throwable failure;

    public SidecarRuntime(Settings settings, boolean shadow, Bootstrapper.ProgressSink progress) {
        this.settings = settings;
        this.shadow = shadow;
        this.progress = progress;
    }

    /** Checks and installs (before anything streams), then follows the mode until {@link #stop()}. */
    public void run() throws Exception {
        try (Connection c = Database.connectWithRetry(settings.connection(), "lookupkeeper-control", settings.connectAttempts())) {
            String mode = currentMode(c);
            // trigger mode needs neither wal_level=logical nor REPLICATION unless a shadow streams
            new Installer(settings).install(c, "cdc".equals(mode) || shadow);
            ModeStore store = new ModeStore(settings);
            store.heartbeat(c, false);
            LOG.info("mode: {}", store.read(c).mode());
            String followed = null;
            while (stop.getCount() > 0) {
                ModeStore.ModeState st = store.read(c);
                if (!st.mode().equals(followed)) {
                    if (followed != null) {
                        LOG.info("mode changed: {} -> {}", followed, st.mode());
                    }
                    followed = st.mode();
                }
                follow(c, st);
                store.heartbeat(c, main != null && main.isStreaming());
                if (failure != null) {
                    throw new StreamFailedException(CdcPipeline.rootMessage(failure), failure);
                }
                stop.await(POLL_MS, TimeUnit.MILLISECONDS);
            }
            LOG.info("stopping: finishing the batch in flight and releasing the slot");
            closeMain();
            closeShadow(c);
            store.heartbeat(c, false);
        }
    }

    private void follow(Connection c, ModeStore.ModeState st) throws Exception {
        boolean wantMain = "cdc".equals(st.mode());
        if (wantMain && main == null) {
            main = start(StreamTarget.main(settings));
        } else if (!wantMain && main != null) {
            LOG.info("trigger mode: stopping the stream");
            closeMain();
        }
        if (main != null && !main.isStreaming()) {
            failure = main.awaitTermination();
            if (failure == null) {
                failure = new IllegalStateException("the stream stopped");
            }
        }
        boolean wantShadow = shadow && "trigger".equals(st.mode()) && !st.switching();
        if (wantShadow && shadowPipeline == null) {
            shadowPipeline = start(StreamTarget.shadow(settings));
        } else if (!wantShadow && shadowPipeline != null) {
            closeShadow(c);
        }
    }

    private CdcPipeline start(StreamTarget target) throws Exception {
        CdcPipeline p = new CdcPipeline(settings, target, target.isMain() ? stats : new PipelineStats());
        try {
            p.start(progress);
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    private void closeMain() {
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

    private String currentMode(Connection c) throws SQLException {
        try (var ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, dev.lookupkeeper.config.Identifiers.quote(settings.schema()) + ".state");
            try (var rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return "cdc";
                }
            }
        }
        return new ModeStore(settings).read(c).mode();
    }

    public PipelineStats stats() {
        return stats;
    }

    public void stop() {
        stop.countDown();
    }

    @Override
    public void close() {
        closeMain();
        if (shadowPipeline != null) {
            shadowPipeline.close();
        }
    }

    /** The stream failed while running (exit 4). */
    public static final class StreamFailedException extends RuntimeException {
        public StreamFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static Duration pollInterval() {
        return Duration.ofMillis(POLL_MS);
    }
}
