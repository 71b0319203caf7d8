package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Whether the transactions of a batch are visible to a snapshot taken now. The stream can deliver
 * a commit before other sessions see it (the walsender sends a commit once it is flushed; the
 * committing session may still wait — for a synchronous standby, or for this sidecar in strict
 * mode), so a partition created in the same transaction as its first messages can be missing from
 * the sink's snapshot. Once every transaction of a batch is visible, a partition still absent was
 * deleted.
 */
final class TransactionVisibility {
    private final String visibleSql;

    TransactionVisibility(SqlTemplates templates) {
        this.visibleSql = templates.get("sink/transactions_visible.sql");
    }

    /**
     * How many of these transactions (pgoutput's 32-bit ids) a snapshot taken now does not show.
     * Zero when no ids are known (sources that do not say): then what is unseen is taken as deleted.
     */
    int invisible(Connection c, int[] xids) throws SQLException {
        if (xids.length == 0) {
            return 0;
        }
        Long[] ids = new Long[xids.length];
        for (int i = 0; i < xids.length; i++) {
            ids[i] = Integer.toUnsignedLong(xids[i]);
        }
        try (PreparedStatement ps = c.prepareStatement(visibleSql)) {
            ps.setArray(1, c.createArrayOf("bigint", ids));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
