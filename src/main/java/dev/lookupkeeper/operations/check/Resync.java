package dev.lookupkeeper.operations.check;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.operations.bootstrap.Backfill;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Repairs missing and stale rows with the chunked monotonic upsert (never moves a row back, never
 * blocks pushes). With phantoms, also lowers phantom rows to the newest message their partition
 * still has, or removes the row when it has none — the only path besides a rebuild that moves a
 * row backwards, done one row at a time under that row's lock.
 */
public final class Resync {
    /** What resync did. */
    public record Result(long partitions, long inserted, long advanced, long unchanged, long phantomsLowered, long phantomsRemoved) {}

    private final Settings settings;
    private final SqlTemplates sql;

    public Resync(Settings settings) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
    }

    public Result run(Connection c, boolean phantoms) throws SQLException {
        Backfill.Counts counts = new Backfill(settings, Identifiers.quote(settings.queueSchema()) + ".partition_lookup")
                .run(c, null, null, done -> { });
        long lowered = 0;
        long removed = 0;
        if (phantoms) {
            for (String[] row : phantomRows(c)) {
                int r = lowerOrRemove(c, row[0], UUID.fromString(row[1]));
                if (r > 0) {
                    lowered++;
                } else if (r < 0) {
                    removed++;
                }
            }
        }
        // every partition now reflects its newest message: what a skipped event could have carried is repaired
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Identifiers.quote(settings.schema()) + ".streams SET skipped_events = 0"
                + " WHERE skipped_events > 0")) {
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!"42P01".equals(e.getSQLState())) {
                throw e;
            }
        }
        return new Result(counts.partitions(), counts.inserted(), counts.advanced(), counts.unchanged(), lowered, removed);
    }

    private List<String[]> phantomRows(Connection c) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("check/phantoms.sql")); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        return out;
    }

    /** Monotonic upsert of the newest message of these partitions, in one statement. */
    void upsertNewest(Connection c, List<UUID> partitions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("check/upsert_newest.sql"))) {
            ps.setArray(1, c.createArrayOf("uuid", partitions.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Lowers the row to the newest message its partition has, or removes it when there is none,
     * under the row's lock. @return 1 lowered, -1 removed, 0 nothing to do
     */
    int lowerOrRemove(Connection c, String queue, UUID partition) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            // the row lock waits for any push still writing this row, and holds off new ones
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + Identifiers.quote(settings.queueSchema())
                    + ".partition_lookup WHERE queue_name = ? AND partition_id = ? FOR UPDATE")) {
                ps.setString(1, queue);
                ps.setObject(2, partition);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        c.commit();
                        return 0;
                    }
                }
            }
            int result;
            try (PreparedStatement ps = c.prepareStatement(sql.get("check/lower_phantom.sql"))) {
                ps.setObject(1, partition);
                ps.setString(2, queue);
                result = ps.executeUpdate() > 0 ? 1 : 0;
            }
            if (result == 0) {
                try (PreparedStatement ps = c.prepareStatement(sql.get("check/remove_empty_row.sql"))) {
                    ps.setString(1, queue);
                    ps.setObject(2, partition);
                    result = ps.executeUpdate() > 0 ? -1 : 0;
                }
            }
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
