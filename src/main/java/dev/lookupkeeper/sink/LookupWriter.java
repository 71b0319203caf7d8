package dev.lookupkeeper.sink;

import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Array;
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
            try (PreparedStatement ps = c.prepareStatement(upsertSql)) {
                Array p = c.createArrayOf("uuid", partitions);
                Array m = c.createArrayOf("uuid", messages);
                Array t = c.createArrayOf("bigint", created);
                ps.setArray(1, p);
                ps.setArray(2, m);
                ps.setArray(3, t);
                ps.setLong(4, watermark);
                if (lastLsn == null) {
                    ps.setNull(5, Types.VARCHAR);
                } else {
                    ps.setString(5, lastLsn);
                }
                ps.setString(6, stream);
                int changed;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    changed = rs.getInt(1);
                    if (rs.getInt(2) != 1) {
                        throw new SQLException("lookupkeeper's row for stream '" + stream + "' is missing: run `lookupkeeper install`", "55000");
                    }
                }
                c.commit();
                return changed;
            } catch (SQLException | RuntimeException e) {
                safeRollback(c);
                throw e;
            }
        }
    }

    private static void safeRollback(Connection c) {
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
