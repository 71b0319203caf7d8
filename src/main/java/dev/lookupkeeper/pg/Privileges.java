package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The privileges a command uses, checked all at once from the catalogs so an operator fixes them
 * in one go (sql/roles/lookupkeeper_role.sql grants exactly these). Objects that do not exist yet
 * are skipped: install creates them, as their owner.
 */
public final class Privileges {
    /** What a command does with the queue's tables and lookupkeeper's own. */
    public enum Access {
        /** Reads the queue's tables only (select). */
        READ_QUEUE(false, false),
        /** Reads the queue's tables and lookupkeeper's (status). */
        READ(true, false),
        /** Reads and writes both (the sidecar, and every command that repairs or moves state). */
        WRITE(true, true);

        final boolean own;
        final boolean writes;

        Access(boolean own, boolean writes) {
            this.own = own;
            this.writes = writes;
        }
    }

    private Privileges() {}

    /**
     * What is missing, grouped: one entry per schema and set of privileges, naming the tables that lack
     * exactly that set, e.g. "USAGE on schema lookupkeeper", "SELECT, UPDATE on lookupkeeper.state,
     * lookupkeeper.streams"; in a stable order (the queue's schema first).
     */
    public static List<String> missing(Connection c, Settings s, Access access) throws SQLException {
        Map<String, List<String>> byObject = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(s).get("check/missing_privileges.sql"))) {
            ps.setString(1, s.queueSchema());
            ps.setString(2, s.schema());
            ps.setBoolean(3, access.own);
            ps.setBoolean(4, access.writes);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byObject.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return grouped(byObject);
    }

    /** Missing privileges per object ("schema x" or "x.table"), in order, as {@link #missing} words them. */
    static List<String> grouped(Map<String, List<String>> byObject) {
        Map<String, List<String>> objectsBySet = new LinkedHashMap<>();
        // tables of one schema that lack the same privileges share an entry; a schema's USAGE stands alone
        byObject.forEach((object, privileges) -> objectsBySet.computeIfAbsent(String.join(", ", privileges) + "\0"
                + (object.startsWith("schema ") ? object : object.substring(0, object.indexOf('.'))), k -> new ArrayList<>()).add(object));
        List<String> out = new ArrayList<>();
        objectsBySet.forEach((key, objects) -> out.add(key.split("\0")[0] + " on " + String.join(", ", objects)));
        return out;
    }
}
