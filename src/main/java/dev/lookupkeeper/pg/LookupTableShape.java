package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * Whether {@code partition_lookup} has the shape the upserts need (sql/check/lookup_table_shape.sql):
 * install, the preflight and verify all ask here, so they cannot disagree about one table.
 */
public record LookupTableShape(String table, boolean exists, List<String> missingColumns, boolean hasArbiter) {

    public static LookupTableShape read(Connection c, Settings s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(s).get("check/lookup_table_shape.sql"))) {
            ps.setString(1, s.queueSchema());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array missing = rs.getArray(2);
                return new LookupTableShape(s.queueSchema() + ".partition_lookup", rs.getBoolean(1),
                        List.copyOf(Arrays.asList((String[]) missing.getArray())), rs.getBoolean(3));
            }
        }
    }

    /** Columns present and the conflict target there (says nothing when the table does not exist). */
    public boolean usable() {
        return exists && missingColumns.isEmpty() && hasArbiter;
    }

    /** What is wrong with an existing table, as one line that says what to change; null when it is usable or absent. */
    public String problem() {
        if (!exists) {
            return null;
        }
        if (!missingColumns.isEmpty()) {
            return "table " + table + " lacks column(s) " + String.join(", ", missingColumns)
                    + ": this is not a queen schema lookupkeeper can maintain";
        }
        if (!hasArbiter) {
            return "table " + table + " has no UNIQUE (queue_name, partition_id) (exactly these key columns, not partial, not deferrable):"
                    + " the upserts need it as their ON CONFLICT target; add it with ALTER TABLE " + table + " ADD UNIQUE (queue_name, partition_id)";
        }
        return null;
    }
}
