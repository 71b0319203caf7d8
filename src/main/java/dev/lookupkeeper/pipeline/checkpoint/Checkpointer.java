package dev.lookupkeeper.pipeline.checkpoint;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.Failpoints;
import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a stream's checkpoint (design §2a). It keeps, in commit order, the batches the
 * sink could not settle ({@link SettledPrefix}), decides which position a batch's transaction may
 * store, stores positions passed with nothing to apply, and tells the reader what it may confirm
 * to the server: never past the oldest unsettled transaction. Held transactions are published in
 * the stream's row (for {@code status}), in the stats (for the gauges), and in a warning once they
 * wait longer than {@link #WARN_AFTER_MS}.
 *
 * <p>It runs no transaction of its own: the sink, which owns connections and retries, hands it the
 * connection of the transaction a position belongs in. Called from the stream's writer thread, and
 * from its reader while the writer is idle; {@link #stored()} may be read from any thread.
 *
 * <p>Failpoint (crash tests): {@code checkpoint-stored} after a statement of its own stored a
 * checkpoint that settled held transactions.
 *
 * @param <T> what a held batch still has to apply (the sink's business)
 */
public final class Checkpointer<T> {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    /** Held transactions older than this are warned about (and again every interval). */
    public static final long WARN_AFTER_MS = 10_000;

    private final SettledPrefix<T> prefix;
    private final PipelineStats stats;
    private final String stream;
    private final String storeSql;
    private final String heldStateSql;
    private final String storeWatermarkSql;
    private volatile long stored;
    private long deferredWatermark;
    private long lastWarnMs;

    /**
     * @param start the stored checkpoint the stream starts from
     * @param stream the stream's row in lookupkeeper's streams table
     */
    public Checkpointer(Settings settings, String stream, long start, PipelineStats stats) {
        Identifiers.validate("stream", stream);
        SqlTemplates sql = SqlTemplates.of(settings);
        this.storeSql = sql.get("sink/store_checkpoint.sql");
        this.heldStateSql = sql.get("checkpoint/held_state.sql");
        this.storeWatermarkSql = sql.get("checkpoint/store_watermark.sql");
        this.stream = stream;
        this.stats = stats;
        this.prefix = new SettledPrefix<>(start);
        this.stored = start;
    }

    /** The stored checkpoint of a stream as a 64-bit LSN, 0 when there is none yet (where a restart streams from). */
    public static long read(Connection c, Settings settings, String stream) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT checkpoint_lsn - '0/0'::pg_lsn FROM "
                + Identifiers.quote(settings.schema()) + ".streams WHERE stream = ?")) {
            ps.setString(1, stream);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                long v = rs.getLong(1);
                return rs.wasNull() ? 0 : v;
            }
        }
    }

    /**
     * A new slot: the stream starts at its consistent point (everything before it is the backfill's),
     * whatever was stored for the slot it replaces.
     */
    public static void restartAt(Connection c, Settings settings, String stream, String lsn) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Identifiers.quote(settings.schema())
                + ".streams SET checkpoint_lsn = ?::pg_lsn, held_transactions = 0, held_since = NULL, held_from_lsn = NULL"
                + " WHERE stream = ?")) {
            ps.setString(1, lsn);
            ps.setString(2, stream);
            ps.executeUpdate();
        }
    }

    /** A slot about to be replaced: no checkpoint (and nothing held) until the new one's consistent point. */
    public static void forget(Connection c, Settings settings, String stream) throws SQLException {
        restartAt(c, settings, stream, null);
    }

    /**
     * A source that keeps its own offsets (Debezium): the checkpoint follows them once they are
     * stored, in the caller's transaction — they are only ever written after the batches they cover
     * settled. Monotonic, like every store.
     */
    public static void followOffsets(Connection c, Settings settings, String stream, long lsn) throws SQLException {
        storeWith(c, SqlTemplates.of(settings).get("sink/store_checkpoint.sql"), stream, lsn);
    }

    /** Runs sql/sink/store_checkpoint.sql (monotonic) on {@code c}. */
    private static void storeWith(Connection c, String storeSql, String stream, long lsn) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(storeSql)) {
            ps.setString(1, Lsns.format(lsn));
            ps.setString(2, stream);
            ps.execute();
        }
    }

    /** The checkpoint as stored: settled and durable. Eventual consistency confirms exactly this. */
    public long stored() {
        return stored;
    }

    /** The end of the longest settled prefix (perhaps not stored yet). */
    public long settled() {
        return prefix.settled();
    }

    /** What a batch ending at {@code end} may store in its own transaction if it settles in full. */
    public long ifApplied(long end) {
        return prefix.settledIfApplied(end);
    }

    /** What a batch may store in its own transaction if it does not settle: the settled position before it. */
    public long ifHeld() {
        return prefix.settled();
    }

    public boolean holding() {
        return prefix.holding();
    }

    /** Since when the oldest held batch waits (wall clock ms), 0 when none is held. */
    public long oldestHeldSinceMs() {
        return prefix.oldestSinceMs();
    }

    public List<SettledPrefix.Held<T>> held() {
        return prefix.held();
    }

    /** A batch ending at {@code end} committed and settled in full; its transaction stored {@link #ifApplied}. */
    public void applied(long end) {
        long s = prefix.settledIfApplied(end);
        prefix.pass(end);
        advanceStored(s);
    }

    /** A position passed with nothing to apply; stored later ({@link #storeSettled}), or noted (strict). */
    public void pass(long lsn) {
        prefix.pass(lsn);
    }

    /** The stream starts at its stored checkpoint: settled by definition. */
    public void startAt(long lsn) {
        prefix.pass(lsn);
        advanceStored(lsn);
    }

    /**
     * A batch ending at {@code end} committed, but not settled: its transaction stored {@link #ifHeld}.
     * In memory only; {@link #publish} then tells {@code status}.
     */
    public SettledPrefix.Held<T> hold(long end, int transactions, T pending) {
        long storedWith = prefix.settled();
        SettledPrefix.Held<T> h = prefix.hold(end, transactions, pending, System.currentTimeMillis());
        advanceStored(storedWith);
        if (prefix.heldCount() == 1) {
            LOG.info("{} transaction(s) up to {} name partitions not visible yet (committed, but their sessions may still wait, e.g."
                    + " for a synchronous standby); the checkpoint stays at {} until they are, later batches keep applying",
                    h.transactions(), Lsns.format(end), Lsns.format(h.from()));
        }
        return h;
    }

    /** What a held batch still has to apply after a retry that settled part of it. */
    public void stillPending(SettledPrefix.Held<T> h, T pending) {
        prefix.stillPending(h, pending);
    }

    /**
     * A held batch is settled now (applied, or its partitions provably gone). When that moves the
     * settled position, it is stored on {@code c} (autocommit) before anything confirms it.
     */
    public void settle(Connection c, SettledPrefix.Held<T> h) throws SQLException {
        prefix.settle(h);
        boolean moved = storeSettled(c);
        if (!prefix.holding() && deferredWatermark != 0) {
            storeWatermarkIn(c, deferredWatermark);
            deferredWatermark = 0;
        }
        if (moved) {
            Failpoints.hit("checkpoint-stored");
        }
        publish(c);
        if (!prefix.holding()) {
            LOG.info("held transactions settled after {} ms; checkpoint {}", System.currentTimeMillis() - h.sinceMs(),
                    Lsns.format(stored));
            lastWarnMs = 0;
        }
    }

    /**
     * A batch's watermark that could not be stored with it (it, or a batch before it, is held): a
     * watermark promises every earlier message applied, so it is stored once nothing is held.
     */
    public void deferWatermark(long watermark) {
        deferredWatermark = Math.max(deferredWatermark, watermark);
    }

    /** Stores a watermark on {@code c} (in the caller's transaction, or autocommit). */
    public void storeWatermarkIn(Connection c, long watermark) throws SQLException {
        if (watermark == 0) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(storeWatermarkSql)) {
            ps.setLong(1, watermark);
            ps.setString(2, stream);
            ps.execute();
        }
    }

    /** Stores the settled position on {@code c} (autocommit) when it is ahead of the stored one; returns whether it did. */
    public boolean storeSettled(Connection c) throws SQLException {
        long s = prefix.settled();
        if (Long.compareUnsigned(s, stored) <= 0) {
            return false;
        }
        store(c, s);
        return true;
    }

    /** Whether the settled position is ahead of the stored one. */
    public boolean storeDue() {
        return Long.compareUnsigned(prefix.settled(), stored) > 0;
    }

    /** Warns about held transactions once they wait longer than the bound, then once an interval. */
    public void warnIfHeldLong(long nowMs) {
        long since = prefix.oldestSinceMs();
        if (since == 0 || nowMs - since < WARN_AFTER_MS || nowMs - lastWarnMs < WARN_AFTER_MS) {
            return;
        }
        lastWarnMs = nowMs;
        LOG.warn("{} transaction(s) held for {} s: their partitions are still not visible although the stream delivered their"
                + " commits (a session waiting for a synchronous standby that is away?); the checkpoint stays at {} until they are",
                prefix.heldTransactions(), (nowMs - since) / 1000, Lsns.format(stored));
    }

    /**
     * Stores {@code lsn} in the caller's open transaction, which then calls {@link #applied} once it
     * committed (it may not be taken as stored before).
     */
    public void storeIn(Connection c, long lsn) throws SQLException {
        storeWith(c, storeSql, stream, lsn);
    }

    private void store(Connection c, long lsn) throws SQLException {
        storeIn(c, lsn);
        advanceStored(lsn);
    }

    /** Writes what is held into the stream's row on {@code c} (autocommit), for {@code status}; then the stats. */
    public void publish(Connection c) throws SQLException {
        long since = prefix.oldestSinceMs();
        int transactions = prefix.heldTransactions();
        stats.recordHeld(transactions, since);
        try (PreparedStatement ps = c.prepareStatement(heldStateSql)) {
            ps.setInt(1, transactions);
            if (since == 0) {
                ps.setNull(2, Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setNull(3, Types.VARCHAR);
            } else {
                ps.setTimestamp(2, new Timestamp(since));
                ps.setString(3, Lsns.format(prefix.settled()));
            }
            ps.setString(4, stream);
            ps.execute();
        }
    }

    private void advanceStored(long lsn) {
        if (Long.compareUnsigned(lsn, stored) > 0) {
            stored = lsn;
        }
    }
}
