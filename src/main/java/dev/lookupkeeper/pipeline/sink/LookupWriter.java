package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;

/**
 * The monotonic upsert statement of a reduced batch, which moves the checkpoint row in the same
 * statement; the caller owns the transaction and its retries (the statement is idempotent, so a
 * retry is always safe).
 */
public final class LookupWriter {
    private final String upsertSql;
    private final String upsertSkippingLockedSql;
    private final String upsertAsyncCommitSql;
    /** Columns 4 and 5 of the asynchronous upsert (see sql/sink/upsert_lookup.sql): a fixed text, no input. */
    private static final String ASYNC_COMMIT_COLUMNS =
            ", set_config('synchronous_commit', 'off', true) AS commit_level, pg_current_wal_insert_lsn()::text AS wal_position";
    private final String stream;

    /** @param sql templates whose {{lookup_table}} is the table this writer maintains */
    public LookupWriter(SqlTemplates sql, String stream) {
        this.upsertSql = sql.withClause("commit_columns", "").get("sink/upsert_lookup.sql");
        this.upsertSkippingLockedSql = sql.get("sink/upsert_lookup_skip_locked.sql");
        this.upsertAsyncCommitSql = sql.withClause("commit_columns", ASYNC_COMMIT_COLUMNS).get("sink/upsert_lookup.sql");
        this.stream = stream;
    }

    /**
     * The upsert statement alone, in the caller's transaction: rows, watermark, last position and
     * (for the native reader) the checkpoint move together — to {@code ifApplied} when the statement
     * saw every partition, else to {@code ifHeld} (both chosen by the checkpoint owner; null: left).
     *
     * @return rows inserted or advanced, and the partitions the statement could not see
     */
    public Upserted upsert(Connection c, List<LatestMessage> rows, long watermark, String lastLsn, String ifApplied, String ifHeld)
            throws SQLException {
        return execute(c, upsertSql, rows, watermark, lastLsn, ifApplied, ifHeld, rs -> new Upserted(rs.getInt(1), uuids(rs, 3)));
    }

    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** One upsert statement, its one row read after the stream's row is checked. */
    private <T> T execute(Connection c, String sql, List<LatestMessage> rows, long watermark, String lastLsn, String ifApplied,
                          String ifHeld, RowReader<T> reader) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(c, ps, rows, watermark, lastLsn, ifApplied, ifHeld);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                requireStreamRow(rs);
                return reader.read(rs);
            }
        }
    }

    /**
     * {@link #upsert} as a transaction of its own (the connection in autocommit) that commits without
     * waiting for its WAL flush (strict consistency's common batch): the rows are visible when this
     * returns and durable once the server's WAL is flushed past the commit — which the next
     * statement's {@link AsyncUpserted#walPosition} bounds. Still one statement, one round trip.
     *
     * @return what the upsert did, and the WAL insert position read before this commit: every commit
     *         that returned before this statement began is at or before it
     */
    public AsyncUpserted upsertCommittingAsync(Connection c, List<LatestMessage> rows, long watermark, String lastLsn, String ifApplied,
                                               String ifHeld) throws SQLException {
        return execute(c, upsertAsyncCommitSql, rows, watermark, lastLsn, ifApplied, ifHeld,
                rs -> new AsyncUpserted(new Upserted(rs.getInt(1), uuids(rs, 3)), dev.lookupkeeper.core.Lsns.parse(rs.getString(5))));
    }

    /** What {@link #upsertCommittingAsync} did, and the WAL position it read before its commit. */
    public record AsyncUpserted(Upserted upserted, long walPosition) {}

    /**
     * What the upsert did: rows changed, and the partitions of the batch its snapshot did not show
     * (deleted, or created by a transaction committed but not visible yet).
     */
    public record Upserted(int changed, List<UUID> unseen) {}

    private static List<UUID> uuids(ResultSet rs, int column) throws SQLException {
        List<UUID> out = new java.util.ArrayList<>();
        for (Object o : (Object[]) rs.getArray(column).getArray()) {
            out.add((UUID) o);
        }
        return out;
    }

    private void requireStreamRow(ResultSet rs) throws SQLException {
        if (rs.getInt(2) != 1) {
            throw new SQLException("lookupkeeper's row for stream '" + stream + "' is missing: run `lookupkeeper install`", "55000");
        }
    }

    /** What the lock-skipping upsert did: rows changed, the partitions it left for later (held by others), those it could not see. */
    public record Skipping(int changed, List<UUID> deferred, List<UUID> unseen) {}

    /** Strict consistency's upsert (sql/sink/upsert_lookup_skip_locked.sql): never waits for a row lock. */
    public Skipping upsertSkippingLocked(Connection c, List<LatestMessage> rows, long watermark, String lastLsn, String ifApplied,
                                         String ifHeld) throws SQLException {
        return execute(c, upsertSkippingLockedSql, rows, watermark, lastLsn, ifApplied, ifHeld,
                rs -> new Skipping(rs.getInt(1), uuids(rs, 3), uuids(rs, 4)));
    }

    private void bind(Connection c, PreparedStatement ps, List<LatestMessage> rows, long watermark, String lastLsn, String ifApplied,
                      String ifHeld) throws SQLException {
        UUID[] partitions = new UUID[rows.size()];
        UUID[] messages = new UUID[rows.size()];
        Long[] created = new Long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            LatestMessage r = rows.get(i);
            partitions[i] = r.partitionId();
            messages[i] = r.messageId();
            created[i] = r.createdAtMicros();
        }
        ps.setArray(1, c.createArrayOf("uuid", partitions));
        ps.setArray(2, c.createArrayOf("uuid", messages));
        ps.setArray(3, c.createArrayOf("bigint", created));
        ps.setLong(4, watermark);
        setLsn(ps, 5, lastLsn);
        setLsn(ps, 6, ifApplied);
        setLsn(ps, 7, ifHeld);
        ps.setString(8, stream);
    }

    private static void setLsn(PreparedStatement ps, int index, String lsn) throws SQLException {
        if (lsn == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, lsn);
        }
    }

    static void safeRollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }
}
