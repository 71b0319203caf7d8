package dev.lookupkeeper.sink;

import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rows of a batch whose partition the upsert could not see. Either the partition was deleted (its
 * messages with it: nothing to apply), or it was created by a transaction of the batch that is
 * committed but not yet visible — the stream can deliver a commit a moment before other sessions
 * see it. Dropping those would lose the partition's first push for good. So: wait (1 ms, doubling
 * to 50 ms) until every transaction of the batch is visible, applying the rows again each time;
 * once all are visible, what is still unseen was deleted.
 */
final class UnseenPartitions {
    private static final Logger LOG = LoggerFactory.getLogger(UnseenPartitions.class);
    static final long GIVE_UP_MS = 30_000;

    private final DataSource dataSource;
    private final LookupWriter writer;
    private final String visibleSql;

    UnseenPartitions(DataSource dataSource, LookupWriter writer, SqlTemplates templates) {
        this.dataSource = dataSource;
        this.writer = writer;
        this.visibleSql = templates.get("sink/transactions_visible.sql");
    }

    /** Applies the unseen rows once their transactions are visible; returns the rows it changed. */
    int apply(List<LatestMessage> rows, List<UUID> unseen, int[] xids) throws SQLException, InterruptedException {
        Set<UUID> wanted = new HashSet<>(unseen);
        List<LatestMessage> pending = rows.stream().filter(r -> wanted.contains(r.partitionId())).toList();
        long giveUpAt = System.currentTimeMillis() + GIVE_UP_MS;
        long pause = 1;
        int changed = 0;
        while (true) {
            boolean allVisible;
            LookupWriter.Upserted u;
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                allVisible = invisible(c, xids) == 0; // first: the upsert's snapshot is then no older than this check's
                u = writer.upsert(c, pending, 0, null, null);
            }
            changed += u.changed();
            Set<UUID> still = new HashSet<>(u.unseen());
            pending = pending.stream().filter(r -> still.contains(r.partitionId())).toList();
            if (pending.isEmpty() || allVisible) {
                return changed; // applied, or deleted: every transaction was visible to the upsert
            }
            if (System.currentTimeMillis() > giveUpAt) {
                LOG.warn("{} partition(s) still invisible after {} s although their transactions committed; taken as deleted",
                        pending.size(), GIVE_UP_MS / 1000);
                return changed;
            }
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 50);
        }
    }

    private int invisible(Connection c, int[] xids) throws SQLException {
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
