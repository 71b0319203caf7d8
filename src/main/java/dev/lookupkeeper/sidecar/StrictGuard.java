package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.ConsistencySettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.SocketTimeouts;
import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps synchronous_standby_names in step with the stream, so that strict consistency holds while
 * a stream confirms commits and the database never stalls for long when none does.
 *
 * <ul>
 *   <li>Strict, this process streams and its walsender is up: the sidecar's name is set (again,
 *       after a fail-open) — commits wait for the sidecar from then on.</li>
 *   <li>The name is set but no walsender of that name streams for {@code --strict-failover} (the
 *       sidecar died and no standby took the slot over, or a bootstrap runs): fail open — the name
 *       is removed, waiting commits are released, the fail-open is logged, counted and recorded
 *       in lookupkeeper.state for status and verify.</li>
 *   <li>This process's stream fails on lock waits (its statement gives up after lock_timeout) and
 *       applies nothing for {@code --strict-failover}: fail open too. The commits waiting for it may
 *       hold what the lock waits for — a DDL on the queue's tables queued behind them — so waiting
 *       longer would not end; the name comes back once a batch applies.</li>
 *   <li>Eventual, this process streams, and the name is still set (left by a strict run): removed,
 *       since an eventual stream confirms lazily and commits would wait seconds.</li>
 * </ul>
 * It runs on its own thread and connection: a control loop busy bootstrapping must not keep it from
 * failing open. Every check is idempotent; several guards (a standby, the `guard` command) agree.
 */
public final class StrictGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StrictGuard.class);
    static final long CHECK_MS = 250;

    private final Settings settings;
    private final ConsistencySettings strictness;
    private final Metrics metrics;
    private final BooleanSupplier streamingHere;
    private final BooleanSupplier streamExpected;
    private final LongSupplier lockBlockedSinceMs;
    private final ModeStore store;
    private final Thread thread;
    private volatile boolean stopping;
    private long noStreamSinceMs;
    /** When the stream is known to have ended before this guard first looked (its process died); 0 if not known. */
    private long streamEndedMs;
    private String lastComplaint;
    private boolean announced;
    private boolean wasRelaxed;
    private int syncSeen;

    /**
     * @param streamingHere whether this process streams the slot right now (false for a process
     *                      that only watches: a standby, the `guard` command)
     */
    public StrictGuard(Settings settings, Metrics metrics, BooleanSupplier streamingHere) {
        this(settings, metrics, streamingHere, () -> true);
    }

    /**
     * @param streamExpected false in trigger mode: nothing will stream, and the trigger gives
     *                       read-your-writes itself, so the name is removed at once instead of after
     *                       --strict-failover (a `switch --to trigger` would otherwise stall commits)
     */
    public StrictGuard(Settings settings, Metrics metrics, BooleanSupplier streamingHere, BooleanSupplier streamExpected) {
        this(settings, metrics, streamingHere, streamExpected, () -> 0);
    }

    /**
     * @param lockBlockedSinceMs since when this process's stream has failed on lock waits without
     *                           applying a batch since (0: it has not): commits wait for it meanwhile,
     *                           so it counts against --strict-failover like a missing stream
     */
    public StrictGuard(Settings settings, Metrics metrics, BooleanSupplier streamingHere, BooleanSupplier streamExpected,
                       LongSupplier lockBlockedSinceMs) {
        this.lockBlockedSinceMs = lockBlockedSinceMs;
        this.streamExpected = streamExpected;
        this.settings = settings;
        this.strictness = settings.consistency();
        this.metrics = metrics;
        this.streamingHere = streamingHere;
        this.store = new ModeStore(settings);
        this.thread = new Thread(this::loop, "strict-guard");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void loop() {
        Connection c = null;
        while (!stopping) {
            try {
                if (c == null || c.isClosed()) {
                    c = Database.connect(settings.connection(), "lookupkeeper-guard", SocketTimeouts.CONTROL);
                }
                check(c, System.currentTimeMillis());
            } catch (SQLException e) {
                complain("strict guard: " + PgErrors.brief(e));
                Database.closeQuietly(c);
                c = null;
            } catch (RuntimeException e) {
                complain("strict guard: " + e);
            }
            try {
                Thread.sleep(CHECK_MS);
            } catch (InterruptedException e) {
                break;
            }
        }
        Database.closeQuietly(c);
    }

    /** The stream ended at this time (the process that streamed died): the bound counts from then. */
    void streamEndedAt(long ms) {
        streamEndedMs = ms;
    }

    /** One turn: read the server's view, act on it (also the orphan guard's step). */
    void check(Connection c, long now) throws SQLException {
        String app = strictness.applicationName();
        SynchronousStandbys.Standing s = SynchronousStandbys.standing(c, app);
        boolean ours = SynchronousStandbys.names(s.setting()).equals(List.of(app));
        long blocked = lockBlockedSinceMs.getAsLong();
        if (blocked > 0 && strictness.strict()) {
            // the stream cannot apply: its statement gives up on a lock, maybe one that a DDL queued behind the
            // very commits waiting for the stream wants. Brief stream restarts must not reset the bound; nor
            // may the name come back before a batch applies again
            noStreamSinceMs = 0;
            if (ours && now - blocked >= strictness.strictFailover().toMillis()) {
                failOpen(c, "the stream's lookup statement has waited for locks for " + (now - blocked) + " ms (DDL on the queue's"
                        + " tables queued behind commits that wait for the stream?)");
            }
            return;
        }
        boolean here = streamingHere.getAsBoolean();
        if (here && s.streaming()) {
            noStreamSinceMs = 0;
            streamEndedMs = 0;
            if (strictness.strict()) {
                keepStrict(c, s);
            } else if (ours) {
                if (SynchronousStandbys.relax(c)) {
                    LOG.warn("eventual consistency: removed {} from synchronous_standby_names (left by a strict run);"
                            + " commits no longer wait for the sidecar", app);
                } else {
                    complain("synchronous_standby_names still names " + app + " (left by a strict run) and this role may not change it:"
                            + " commits wait for an eventual stream; run `ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf();`");
                }
            }
            return;
        }
        if (!s.listed() || s.streaming()) {
            noStreamSinceMs = 0; // nobody waits on us, or another process streams under the name
            streamEndedMs = 0;
            return;
        }
        if (!streamExpected.getAsBoolean() && ours) {
            if (SynchronousStandbys.relax(c)) {
                LOG.info("trigger mode: {} removed from synchronous_standby_names (nothing streams; the trigger itself gives"
                        + " read-your-writes)", app);
            }
            return;
        }
        if (noStreamSinceMs == 0) {
            noStreamSinceMs = streamEndedMs > 0 ? Math.min(streamEndedMs, now) : now;
            streamEndedMs = 0;
            LOG.warn("strict: no stream confirms commits for {} (commits wait); failing open in {} ms unless a stream returns", app,
                    Math.max(0, strictness.strictFailover().toMillis() - (now - noStreamSinceMs)));
            return;
        }
        if (now - noStreamSinceMs >= strictness.strictFailover().toMillis() && ours) {
            failOpen(c, now);
        }
    }

    private void keepStrict(Connection c, SynchronousStandbys.Standing s) throws SQLException {
        String app = strictness.applicationName();
        if (!s.listed()) {
            if (!SynchronousStandbys.names(s.setting()).isEmpty()) {
                complain("strict consistency is NOT in effect: synchronous_standby_names is '" + s.setting() + "', set by someone else;"
                        + " add \"" + app + "\" to it (it must be the only synchronous name, or the first of FIRST n)");
                metrics.strict(0);
                return;
            }
            if (!SynchronousStandbys.enable(c, app)) {
                complain("strict consistency is NOT in effect: this role may not set synchronous_standby_names; as a superuser run "
                        + String.join(" ", SynchronousStandbys.grantStatements(currentUser(c))));
                metrics.strict(0);
                return;
            }
            wasRelaxed = store.strictState(c).relaxed();
            store.setStrictRelaxed(c, null);
            LOG.info("strict: synchronous_standby_names = {}; waiting for {} to become the synchronous standby",
                    SynchronousStandbys.valueFor(app), app);
            syncSeen = 0;
            return;
        }
        // the setting reaches the backends and the checkpointer with the reload, a moment later:
        // announce (and report in effect) only once the walsender has been sync on two checks
        if (!"sync".equals(s.syncState())) {
            syncSeen = 0;
            metrics.strict(0);
            return;
        }
        if (++syncSeen < 2) {
            return;
        }
        if (!announced) {
            announced = true;
            LOG.info(wasRelaxed ? "strict consistency in effect again, restored after a fail-open: {} is the synchronous standby"
                    : "strict consistency in effect: {} is the synchronous standby; a push's COMMIT returns after its lookup row is committed", app);
            wasRelaxed = false;
            if (store.strictState(c).relaxed()) {
                store.setStrictRelaxed(c, null);
            }
        }
        metrics.strict(1);
    }

    private void failOpen(Connection c, long now) throws SQLException {
        failOpen(c, "no stream confirmed commits for " + (now - noStreamSinceMs) + " ms");
    }

    private void failOpen(Connection c, String reason) throws SQLException {
        String app = strictness.applicationName();
        if (!SynchronousStandbys.relax(c)) {
            complain("strict: " + reason + " and this role may not relax synchronous_standby_names: commits wait until a"
                    + " sidecar confirms them again; by hand: ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf();");
            return;
        }
        store.setStrictRelaxed(c, reason);
        metrics.strictFailedOpen();
        metrics.strict(-1);
        announced = false;
        noStreamSinceMs = 0;
        LOG.error("strict consistency FAILED OPEN: {}; synchronous_standby_names relaxed, commits no longer wait (eventual until a stream"
                + " of {} is back, then restored)", reason, app);
    }

    /**
     * This process streamed and stopped cleanly. With no other lookupkeeper process on the database
     * to take the slot over, commits would wait for --strict-failover for nothing: fail open now.
     */
    public void afterCleanStop(Connection c) throws SQLException {
        if (!strictness.strict()) {
            return;
        }
        String app = strictness.applicationName();
        if (!SynchronousStandbys.names(SynchronousStandbys.setting(c)).equals(List.of(app))) {
            return;
        }
        try (var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lookupkeeper-control'"
                + " AND pid <> pg_backend_pid() AND datname = current_database()"); var rs = ps.executeQuery()) {
            rs.next();
            if (rs.getLong(1) > 0) {
                LOG.info("strict: another lookupkeeper process runs on this database and takes the slot over; synchronous_standby_names stays");
                return;
            }
        }
        if (SynchronousStandbys.relax(c)) {
            store.setStrictRelaxed(c, "the sidecar stopped with no standby to take over");
            metrics.strict(-1);
            LOG.warn("strict: the sidecar stopped and no standby runs: synchronous_standby_names relaxed so commits do not wait;"
                    + " the next `run --consistency strict` restores it");
        }
    }

    private void complain(String message) {
        if (!message.equals(lastComplaint)) {
            LOG.error(message);
            lastComplaint = message;
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
