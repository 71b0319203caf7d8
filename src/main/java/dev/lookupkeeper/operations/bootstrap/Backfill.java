package dev.lookupkeeper.operations.bootstrap;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Walks partitions in id order, a chunk per short transaction, applying each partition's newest
 * message with the monotonic guard. Shared by the bootstrap (which records its cursor so it can
 * resume) and by resync (which reports counts).
 */
public final class Backfill {
    static final UUID ZERO = new UUID(0, 0);

    /** Totals of a backfill; unchanged = partitions with messages whose row was already current. */
    public record Counts(long partitions, long withMessages, long inserted, long advanced) {
        public long unchanged() {
            return withMessages - inserted - advanced;
        }

        Counts plus(Counts o) {
            return new Counts(partitions + o.partitions, withMessages + o.withMessages, inserted + o.inserted, advanced + o.advanced);
        }
    }

    /** Called inside each chunk's transaction, before its commit, with the chunk's last partition. */
    @FunctionalInterface
    public interface ChunkHook {
        void afterChunk(Connection c, UUID lastPartition, Counts chunk) throws SQLException;
    }

    private final String chunkSql;
    private final int chunkSize;

    public Backfill(Settings settings, String lookupTable) {
        this.chunkSql = SqlTemplates.forTable(settings, lookupTable).get("bootstrap/backfill_chunk.sql");
        this.chunkSize = settings.backfillChunk();
    }

    /**
     * @param from resume after this partition id (null = from the start)
     * @param progress told the partitions done so far after each chunk
     */
    public Counts run(Connection c, UUID from, ChunkHook hook, java.util.function.LongConsumer progress) throws SQLException {
        UUID cursor = from == null ? ZERO : from;
        Counts total = new Counts(0, 0, 0, 0);
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            while (true) {
                UUID last;
                Counts chunk;
                try (PreparedStatement ps = c.prepareStatement(chunkSql)) {
                    ps.setObject(1, cursor);
                    ps.setInt(2, chunkSize);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        last = (UUID) rs.getObject(1);
                        chunk = new Counts(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                    }
                }
                if (chunk.partitions() == 0) {
                    c.commit();
                    return total;
                }
                if (hook != null) {
                    hook.afterChunk(c, last, chunk);
                }
                c.commit();
                cursor = last;
                total = total.plus(chunk);
                dev.lookupkeeper.core.Failpoints.pause("backfill-chunk");
                progress.accept(total.partitions());
            }
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
