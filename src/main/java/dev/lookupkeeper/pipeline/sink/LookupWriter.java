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
    private final String stream;

    /** @param sql templates whose {{lookup_table}} is the table this writer maintains */
    public LookupWriter(SqlTemplates sql, String stream) {
        this.upsertSql = sql.get("sink/upsert_lookup.sql");
        this.upsertSkippingLockedSql = sql.get("sink/upsert_lookup_skip_locked.sql");
        this.upsertAsyncCommitSql = sql.get("sink/upsert_lookup_async_commit.sql");
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
        try (PreparedStatement ps = c.prepareStatement(upsertSql)) {
            bind(c, ps, rows, watermark, lastLsn, ifApplied, ifHeld);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                requireStreamRow(rs);
                return new Upserted(rs.getInt(1), uuids(rs, 3));
            }
        }
    }

    /**
     * {@link #upsert} in a transaction of its own that commits asynchronously (strict consistency's
     * common batch, sql/sink/upsert_lookup_async_commit.sql), in one round trip; the connection must
     * be in autocommit. The rows are visible once this returns; they are durable once the server's
     * WAL is flushed past the returned bound. A failed statement leaves the block aborted: it is
     * rolled back here before the exception is thrown.
     *
     * @return what the upsert did, and the WAL insert position read after the commit
     */
    public AsyncUpserted upsertCommittingAsync(Connection c, List<LatestMessage> rows, long watermark, String lastLsn, String ifApplied,
                                               String ifHeld) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(upsertAsyncCommitSql)) {
            bind(c, ps, rows, watermark, lastLsn, ifApplied, ifHeld);
            Upserted upserted = null;
            long bound = 0;
            boolean isResult = ps.execute();
            while (true) {
                if (isResult) {
                    try (ResultSet rs = ps.getResultSet()) {
                        rs.next();
                        if (rs.getMetaData().getColumnCount() == 1) {
                            bound = dev.lookupkeeper.core.Lsns.parse(rs.getString(1));
                        } else {
                            requireStreamRow(rs);
                            upserted = new Upserted(rs.getInt(1), uuids(rs, 3));
                        }
                    }
                } else if (ps.getUpdateCount() == -1) {
                    break;
                }
                isResult = ps.getMoreResults();
            }
            if (upserted == null || bound == 0) {
                throw new SQLException("the asynchronous upsert returned no " + (upserted == null ? "upsert result" : "commit bound"), "XX000");
            }
            return new AsyncUpserted(upserted, bound);
        } catch (SQLException | RuntimeException e) {
            rollbackIfInBlock(c);
            throw e;
        }
    }

    /** What {@link #upsertCommittingAsync} did, and the WAL position past its commit. */
    public record AsyncUpserted(Upserted upserted, long commitBound) {}

    private static void rollbackIfInBlock(Connection c) {
        try {
            org.postgresql.core.TransactionState state = c.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState();
            if (state != org.postgresql.core.TransactionState.IDLE) {
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute("ROLLBACK");
                }
            }
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }

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
        try (PreparedStatement ps = c.prepareStatement(upsertSkippingLockedSql)) {
            bind(c, ps, rows, watermark, lastLsn, ifApplied, ifHeld);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                requireStreamRow(rs);
                return new Skipping(rs.getInt(1), uuids(rs, 3), uuids(rs, 4));
            }
        }
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
