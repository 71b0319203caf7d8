package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The privileges a streaming sidecar uses, checked all at once so an operator fixes them in one go
 * (sql/roles/lookupkeeper_role.sql grants exactly these). Objects that do not exist yet are
 * skipped: install creates them, as their owner.
 */
public final class Privileges {
    private Privileges() {}

    /** One entry per missing privilege, e.g. "SELECT on queen.messages", in a stable order. */
    public static List<String> missing(Connection c, Settings s) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(s).get("check/missing_privileges.sql"))) {
            ps.setString(1, s.queueSchema());
            ps.setString(2, s.schema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
