package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Keeps the lookup free of phantoms: a row whose message was deleted moves, in the batch's
 * transaction and under its row lock, to the partition's newest remaining message, or goes when
 * none remain. This is the one place a row may move backwards (invariant 1's exception).
 */
public final class PhantomHealer {
    /** A row the healer moved (messageId set) or removed (messageId null). */
    public record Healed(UUID partitionId, UUID messageId, long createdAtMicros) {
        public boolean removed() {
            return messageId == null;
        }
    }

    private final String sql;
    private final String stillPointingSql;

    public PhantomHealer(SqlTemplates templates) {
        this(templates, false);
    }

    /** @param skipLocked leave rows another transaction holds (strict consistency: see {@link #stillPointing}) */
    public PhantomHealer(SqlTemplates templates, boolean skipLocked) {
        this.sql = templates.withClause("row_lock_wait", skipLocked ? "SKIP LOCKED" : "").get("sink/heal_phantoms.sql");
        this.stillPointingSql = templates.get("sink/still_pointing.sql");
    }

    /** After a lock-skipping heal: the deleted ids some lookup row still points at (rows that were held). */
    public List<UUID> stillPointing(Connection c, List<UUID> deletedMessageIds) throws SQLException {
        List<UUID> out = new ArrayList<>();
        if (deletedMessageIds.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement(stillPointingSql)) {
            ps.setArray(1, c.createArrayOf("uuid", deletedMessageIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add((UUID) rs.getObject(1));
                }
            }
        }
        return out;
    }

    /** Heals rows pointing at one of the deleted ids, or (sweepAll) every row whose message is gone. */
    public List<Healed> heal(Connection c, List<UUID> deletedMessageIds, boolean sweepAll) throws SQLException {
        List<Healed> out = new ArrayList<>();
        if (deletedMessageIds.isEmpty() && !sweepAll) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("uuid", deletedMessageIds.toArray()));
            ps.setBoolean(2, sweepAll);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID message = (UUID) rs.getObject(2);
                    out.add(new Healed((UUID) rs.getObject(1), message, message == null ? 0 : rs.getLong(3)));
                }
            }
        }
        return out;
    }
}
