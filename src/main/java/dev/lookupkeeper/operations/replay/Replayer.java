package dev.lookupkeeper.operations.replay;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.Failures;
import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.pg.AdvisoryLock;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pg.Watermarks;
import dev.lookupkeeper.pipeline.Pipelines;
import dev.lookupkeeper.pipeline.source.pgoutput.PgOutputSource;
import dev.lookupkeeper.pipeline.source.pgoutput.StreamRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * `replay`: re-reads the log from a position the replay window still holds and applies it to the
 * live lookup through the same sink as the stream. Steps: lock → resolve the position → copy the
 * replay slot and advance the copy to the position → a watermark marks the end → stream the copy
 * until the watermark is applied → drop the copy. The upsert is monotonic, so a replay can run at
 * any time, next to the running sidecar: it restores rows that fell behind or went missing, and
 * never lowers a row (that is `rebuild`'s job).
 *
 * <p>Killed at any step, it leaves at most the copy, which the next replay or the running sidecar
 * drops; no state of the main stream is touched.
 */
public final class Replayer {
    private static final Logger LOG = LoggerFactory.getLogger(Replayer.class);
    static final String STREAM = "replay";

    /** Where to start: an LSN, or a time (the newest window mark at or before it). */
    public record From(String lsn, OffsetDateTime time) {
        public static From lsn(String lsn) {
            return new From(Lsns.validate("--from-lsn", lsn), null);
        }

        public static From time(OffsetDateTime t) {
            return new From(null, t);
        }
    }

    /** What a replay did; serialised as is for `replay --json`. */
    public record Report(String fromLsn, String toLsn, String requested, long events, long batches, long rowsChanged, long millis) {}

    private final Settings settings;
    private final Duration wait;

    public Replayer(Settings settings, Duration wait) {
        this.settings = settings;
        this.wait = wait;
    }

    public Report replay(Connection c, From from, Consumer<String> progress) throws Exception {
        if (!Catalog.exists(c, Identifiers.quote(settings.schema()) + ".replay_marks")) {
            throw new DatabaseNotReadyException("lookupkeeper is not installed in this database (or predates replay):"
                    + " run `lookupkeeper install`");
        }
        if (!lock(settings).tryLock(c)) {
            throw new DatabaseNotReadyException("another replay is running on this database; wait for it to finish");
        }
        long started = System.currentTimeMillis();
        StreamTarget target = new StreamTarget(STREAM, settings.replayingSlot(), Identifiers.quote(settings.queueSchema()) + ".partition_lookup");
        HikariDataSource pool = null;
        PgOutputSource source = null;
        try {
            ReplayWindow.State window = ReplayWindow.state(c, settings);
            if (window == null) {
                throw new ReplayNotPossibleException("there is no replay window: slot " + settings.replaySlot() + " does not exist."
                        + " `run` keeps it in CDC mode unless --replay-window is 0 (trigger mode keeps none)."
                        + " Use `lookupkeeper rebuild` to make the lookup equal to the truth.");
            }
            String start = resolve(c, from, window);
            String end = currentLsn(c);
            if (Lsns.compare(start, end) > 0) {
                throw new ConfigException("--from-lsn " + start + " is ahead of the server's current position " + end);
            }
            dropLeftover(c, settings);
            copyAndPosition(c, start, window);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Identifiers.quote(settings.schema()) + ".streams"
                    + " (stream, slot_name, bootstrap_status) VALUES (?, ?, 'pending') ON CONFLICT (stream) DO UPDATE SET"
                    + " applied_watermark = 0, slot_name = EXCLUDED.slot_name, last_batch_at = NULL, last_batch_lsn = NULL, updated_at = now()")) {
                ps.setString(1, STREAM);
                ps.setString(2, target.slot());
                ps.executeUpdate();
            }
            long mark = Watermarks.insert(c, settings);
            end = currentLsn(c);
            progress.accept("replaying from " + start + " to " + end + " (slot " + target.slot() + ")");
            LOG.info("replay: from {} to {} through slot {}", start, end, target.slot());

            PipelineStats stats = new PipelineStats();
            pool = Database.sinkPool(settings.connection(), "lookupkeeper-replay", 2, null, null);
            // the native reader, as the sidecar streams: re-applied inserts and deletes (healed) alike
            Pipelines pipelines = new Pipelines(settings, pool, stats);
            source = pipelines.pgoutput(new Pipelines.NativeRead("lookupkeeper-replay",
                    new StreamRequest(target.slot(), List.of(settings.publication()), Lsns.parse(start), false), false, Duration.ZERO, false),
                    pipelines.sink(target, null, false));
            source.start();
            long deadline = System.nanoTime() + wait.toNanos();
            long lastReport = 0;
            while (Watermarks.applied(c, settings, STREAM) < mark) {
                if (!source.isRunning()) {
                    Throwable t = source.failure();
                    throw new IllegalStateException("the replay stream stopped: " + (t == null ? "no reason given" : Failures.rootMessage(t)), t);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replay did not reach " + end + " within " + wait.toSeconds() + " s ("
                            + stats.events() + " events so far); rerun with a longer --wait");
                }
                if (System.currentTimeMillis() - lastReport > 2_000) {
                    lastReport = System.currentTimeMillis();
                    progress.accept(stats.events() + " events re-applied, " + stats.rowsChanged() + " rows changed");
                }
                Thread.sleep(50);
            }
            // the watermark is visible once its transaction committed, a moment before the sink has
            // counted that batch: close the stream first (it waits for the batch in flight)
            source.close();
            return new Report(start, end, from.lsn() != null ? from.lsn() : from.time().toString(), stats.events(), stats.batches(),
                    stats.rowsChanged(), System.currentTimeMillis() - started);
        } finally {
            if (source != null) {
                source.close();
            }
            if (pool != null) {
                pool.close();
            }
            cleanUp(c);
            lock(settings).unlock(c);
        }
    }

    /** The requested position, or a ReplayNotPossibleException naming the earliest one there is. */
    private String resolve(Connection c, From from, ReplayWindow.State window) throws SQLException {
        String earliest = window.earliestLsn();
        String earliestText = earliest + (window.earliestAt() == null ? "" : " (committed at or after " + window.earliestAt() + ")");
        if (from.lsn() != null) {
            if (Lsns.compare(from.lsn(), earliest) < 0) {
                throw notRetained("position " + from.lsn(), earliestText);
            }
            return from.lsn();
        }
        String lsn;
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(settings).get("replay/mark_at_or_before.sql"))) {
            ps.setObject(1, from.time());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                lsn = rs.getString(1);
            }
        }
        if (lsn == null || Lsns.compare(lsn, earliest) < 0) {
            throw notRetained("time " + from.time(), earliestText);
        }
        return lsn;
    }

    private ReplayNotPossibleException notRetained(String what, String earliest) {
        return new ReplayNotPossibleException(what + " is no longer retained by the replay window (slot " + settings.replaySlot()
                + "); the earliest position a replay can start from is " + earliest
                + ". Use `lookupkeeper rebuild` to make the lookup equal to the truth from the tables.");
    }

    /**
     * The copy starts where the replay slot stands; advancing it (decoding and discarding) brings it
     * to the start. If the window moved past the start between the check and the copy, say so.
     */
    private void copyAndPosition(Connection c, String start, ReplayWindow.State window) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_copy_logical_replication_slot(?, ?)")) {
            ps.setString(1, settings.replaySlot());
            ps.setString(2, settings.replayingSlot());
            ps.execute();
        }
        String at = ReplayWindow.confirmed(c, settings.replayingSlot());
        if (at == null || Lsns.compare(at, start) > 0) {
            throw notRetained("position " + start, at + " (the window moved while the replay started)");
        }
        if (Lsns.compare(start, at) > 0) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_replication_slot_advance(?, ?::pg_lsn)")) {
                ps.setString(1, settings.replayingSlot());
                ps.setString(2, start);
                ps.execute();
            }
        }
    }

    private static String currentLsn(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_current_wal_insert_lsn()::text"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void cleanUp(Connection c) {
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Slots.activePid(c, settings.replayingSlot()) != null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            forget(c, settings);
        } catch (SQLException e) {
            LOG.warn("replay: could not drop slot {} ({}); the next replay or the running sidecar drops it",
                    settings.replayingSlot(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drops the replay copy, its offsets and its stream row. */
    private static boolean forget(Connection c, Settings settings) throws SQLException {
        boolean dropped = Slots.dropIfInactive(c, settings.replayingSlot());
        String schema = Identifiers.quote(settings.schema());
        for (String table : new String[] {"source_offsets", "streams"}) {
            if (Catalog.exists(c, schema + "." + table)) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + "." + table + " WHERE stream = ?")) {
                    ps.setString(1, STREAM);
                    ps.executeUpdate();
                }
            }
        }
        return dropped;
    }

    /**
     * What a replay killed midway left behind (its slot copy, offsets, stream row), dropped unless
     * another session's replay is running: a replay holds the lock from before it copies the slot
     * until after it dropped it. Advisory locks are re-entrant, so a replay can call this itself.
     *
     * @return whether a slot was dropped
     */
    public static boolean dropLeftover(Connection c, Settings settings) throws SQLException {
        AdvisoryLock lock = lock(settings);
        if (!lock.tryLock(c)) {
            return false;
        }
        try {
            return forget(c, settings);
        } finally {
            lock.unlock(c);
        }
    }

    /** One replay at a time per lookupkeeper schema; held from before the copy until after its drop. */
    private static AdvisoryLock lock(Settings settings) {
        return new AdvisoryLock("lookupkeeper-replay:" + settings.schema());
    }

}
