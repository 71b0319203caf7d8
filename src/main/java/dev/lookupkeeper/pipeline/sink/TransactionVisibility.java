package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Whether held transactions are visible to a snapshot taken now (sql/sink/held_visibility.sql).
 * The stream can deliver a commit before other sessions see it (the walsender sends a commit once
 * it is flushed; the committing session may still wait — for a synchronous standby, or for this
 * sidecar in strict mode), so a partition created in the same transaction as its first messages
 * can be missing from the sink's snapshot. Once every transaction of a held batch is visible, a
 * partition still absent was deleted. A batch whose source gave no transaction ids is proven
 * visible only once every transaction running when it was held has ended.
 */
final class TransactionVisibility {
    private final String sql;

    TransactionVisibility(SqlTemplates templates) {
        this.sql = templates.get("sink/held_visibility.sql");
    }

    /** One snapshot's view: its xmin, its xmax, and which of the asked-for 32-bit ids it does not show. */
    record View(long xmin, long xmax, Set<Integer> invisible) {
        /** Whether a held batch with these ids (or, with none, held when the snapshot's xmax was {@code horizon}) is visible. */
        boolean shows(int[] xids, long horizon) {
            if (xids.length == 0) {
                return Long.compareUnsigned(xmin, horizon) >= 0;
            }
            for (int x : xids) {
                if (invisible.contains(x)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A snapshot taken now, asked about these transactions (pgoutput's 32-bit ids). */
    View view(Connection c, Collection<int[]> xidSets) throws SQLException {
        Set<Long> ids = new HashSet<>();
        for (int[] xids : xidSets) {
            for (int x : xids) {
                ids.add(Integer.toUnsignedLong(x));
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Set<Integer> invisible = new HashSet<>();
                for (Object o : (Object[]) rs.getArray(3).getArray()) {
                    invisible.add((int) ((Number) o).longValue());
                }
                return new View(rs.getLong(1), rs.getLong(2), invisible);
            }
        }
    }
}
