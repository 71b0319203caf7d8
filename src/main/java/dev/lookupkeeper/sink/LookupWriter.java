package dev.lookupkeeper.sink;

import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a coalesced batch with one monotonic upsert statement in one transaction, and moves the
 * checkpoint row in the same statement. Transient failures (a partition deleted between the join
 * and the foreign-key check, a deadlock, a lost connection) are retried a bounded number of
 * times; the statement is idempotent, so a retry is always safe.
 */
public final class LookupWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LookupWriter.class);
    private static final int MAX_ATTEMPTS = 8;

    private final DataSource dataSource;
    private final String upsertSql;
    private final String stream;

    /** @param sql templates whose {{lookup_table}} is the table this writer maintains */
    public LookupWriter(DataSource dataSource, SqlTemplates sql, String stream) {
        this.dataSource = dataSource;
        this.upsertSql = sql.get("sink/upsert_lookup.sql");
        this.stream = stream;
    }

    /** @return rows inserted or advanced */
    public int write(List<LatestMessage> rows, long watermark, String lastLsn) throws SQLException, InterruptedException {
        UUID[] partitions = new UUID[rows.size()];
        UUID[] messages = new UUID[rows.size()];
        Long[] created = new Long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            LatestMessage r = rows.get(i);
            partitions[i] = r.partitionId();
            messages[i] = r.messageId();
            created[i] = r.createdAtMicros();
        }
        long pause = 50;
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(partitions, messages, created, watermark, lastLsn);
            } catch (SQLException e) {
                if (!retryable(e) || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("lookup upsert failed ({}), retrying ({}/{})", PgErrors.brief(e), attempt, MAX_ATTEMPTS);
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 5_000);
            }
        }
    }

    private int writeOnce(UUID[] partitions, UUID[] messages, Long[] created, long watermark, String lastLsn) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int changed = upsert(c, partitions, messages, created, watermark, lastLsn, null);
                c.commit();
                return changed;
            } catch (SQLException | RuntimeException e) {
                safeRollback(c);
                throw e;
            }
        }
    }

    /**
     * The upsert statement alone, in the caller's transaction: rows, watermark, last position and
     * (for the native reader) the checkpoint move together.
     *
     * @return rows inserted or advanced
     */
    public int upsert(Connection c, List<LatestMessage> rows, long watermark, String lastLsn, String checkpointLsn) throws SQLException {
        UUID[] partitions = new UUID[rows.size()];
        UUID[] messages = new UUID[rows.size()];
        Long[] created = new Long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            LatestMessage r = rows.get(i);
            partitions[i] = r.partitionId();
            messages[i] = r.messageId();
            created[i] = r.createdAtMicros();
        }
        return upsert(c, partitions, messages, created, watermark, lastLsn, checkpointLsn);
    }

    private int upsert(Connection c, UUID[] partitions, UUID[] messages, Long[] created, long watermark, String lastLsn,
                       String checkpointLsn) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(upsertSql)) {
            ps.setArray(1, c.createArrayOf("uuid", partitions));
            ps.setArray(2, c.createArrayOf("uuid", messages));
            ps.setArray(3, c.createArrayOf("bigint", created));
            ps.setLong(4, watermark);
            setLsn(ps, 5, lastLsn);
            setLsn(ps, 6, checkpointLsn);
            ps.setString(7, stream);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(2) != 1) {
                    throw new SQLException("lookupkeeper's row for stream '" + stream + "' is missing: run `lookupkeeper install`", "55000");
                }
                return rs.getInt(1);
            }
        }
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

    static boolean retryable(SQLException e) {
        String s = e.getSQLState();
        if (s == null) {
            return true;
        }
        // 23503: FK violation (partition deleted after the join); 40001/40P01: serialization/deadlock;
        // 08xxx: connection trouble; 57P01-03: server shutting down or starting.
        return s.equals("23503") || s.startsWith("40") || s.startsWith("08") || s.startsWith("57P");
    }
}
