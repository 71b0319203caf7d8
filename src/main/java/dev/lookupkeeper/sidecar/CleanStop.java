package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.PgErrors;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What `run` records on its way out, after the stream has stopped: each step bounded, each on its own. */
final class CleanStop {
    private static final Logger LOG = LoggerFactory.getLogger(CleanStop.class);
    /** The socket timeout of the tidying up's statements. */
    static final int TIDY_TIMEOUT_MS = 2000;

    private final Settings settings;
    private final StrictGuard strictGuard;
    private final StreamKeeper streams;
    private final Leadership leadership;
    private final InstanceRegistry registry;

    CleanStop(Settings settings, StrictGuard strictGuard, StreamKeeper streams, Leadership leadership, InstanceRegistry registry) {
        this.settings = settings;
        this.strictGuard = strictGuard;
        this.streams = streams;
        this.leadership = leadership;
        this.registry = registry;
    }

    /**
     * What a clean stop records, each step on its own: strict's guard relaxes synchronous_standby_names
     * when no other stream confirms commits (first: the queue's commits wait on it), the shadow slot is
     * dropped, the heartbeat says "not streaming", this instance's row goes. A server that stopped
     * answering must not hold the stop up: statements get {@link #TIDY_TIMEOUT_MS}, and strict's step
     * is tried once more on a new connection if the control connection is gone. Nothing else here can
     * lose anything: every position stored is a committed one; the next start tidies the rest.
     */
    void tidyUp(Connection c, boolean wasStreaming) {
        if (c != null) {
            try {
                c.setNetworkTimeout(Runnable::run, TIDY_TIMEOUT_MS);
            } catch (SQLException e) {
                // aborted or closed already: each step below finds out
            }
        }
        if (wasStreaming) {
            try {
                if (c == null) {
                    throw new SQLException("no control connection", "08003");
                }
                strictGuard.afterCleanStop(c);
            } catch (SQLException first) {
                try (Connection fresh = Database.connect(settings.connection(), "lookupkeeper-control",
                        java.time.Duration.ofMillis(TIDY_TIMEOUT_MS))) {
                    strictGuard.afterCleanStop(fresh);
                } catch (SQLException | RuntimeException e) {
                    LOG.error("stopped without telling the strict guard ({}): if this was the last stream confirming commits,"
                            + " synchronous_standby_names still names it until a guard fails open", PgErrors.brief(first));
                }
            }
        }
        if (c == null) {
            return;
        }
        tidyStep("drop the shadow slot", () -> streams.closeShadow(c));
        tidyStep("record the heartbeat's last word", () -> {
            if (leadership.held()) {
                new ModeStore(settings).heartbeat(c, false);
            }
        });
        tidyStep("remove this instance's row", () -> registry.remove(c));
    }

    private interface SqlStep {
        void run() throws SQLException;
    }

    private static void tidyStep(String what, SqlStep step) {
        try {
            step.run();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("on stop, could not {} ({}): the next start does it", what,
                    e instanceof SQLException se ? PgErrors.brief(se) : e.getMessage());
        }
    }
}
