package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The server's synchronous_standby_names as strict consistency uses it: one name, the sidecar's
 * replication application_name. Set with ALTER SYSTEM + pg_reload_conf() (superuser, or on
 * PostgreSQL 15+ the grants {@link #grantStatements} prints), so it survives a server restart.
 */
public final class SynchronousStandbys {
    /** What the server says about the sidecar's walsender. */
    public record Standing(String setting, boolean listed, String syncState, boolean streaming) {}

    private SynchronousStandbys() {}

    public static String setting(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('synchronous_standby_names')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    public static Standing standing(Connection c, String applicationName) throws SQLException {
        String setting = setting(c);
        String syncState = null;
        boolean streaming = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT sync_state, state FROM pg_stat_replication WHERE application_name = ?"
                + " ORDER BY state = 'streaming' DESC LIMIT 1")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    syncState = rs.getString(1);
                    streaming = "streaming".equals(rs.getString(2));
                }
            }
        }
        return new Standing(setting, names(setting).contains(applicationName) || names(setting).contains("*"), syncState, streaming);
    }

    /** The standby names a synchronous_standby_names value lists (FIRST/ANY n (...) or a plain list), unquoted. */
    public static List<String> names(String setting) {
        List<String> out = new ArrayList<>();
        if (setting == null || setting.isBlank()) {
            return out;
        }
        String s = setting.trim();
        int open = s.indexOf('(');
        if (open >= 0 && s.endsWith(")")) {
            s = s.substring(open + 1, s.length() - 1);
        }
        for (String part : s.split(",")) {
            String p = part.trim();
            if (p.startsWith("\"") && p.endsWith("\"") && p.length() >= 2) {
                p = p.substring(1, p.length() - 1).replace("\"\"", "\"");
            } else {
                p = p.toLowerCase(Locale.ROOT);
            }
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    /** The value strict consistency sets: the sidecar's application_name alone. */
    public static String valueFor(String applicationName) {
        return "\"" + Identifiers.validate("--application-name", applicationName) + "\"";
    }

    /** Makes the sidecar the synchronous standby; returns false when the role may not (see {@link #grantStatements}). */
    public static boolean enable(Connection c, String applicationName) throws SQLException {
        return alter(c, valueFor(applicationName));
    }

    /** Fails open: no synchronous standby, commits no longer wait for the sidecar. */
    public static boolean relax(Connection c) throws SQLException {
        return alter(c, "");
    }

    private static boolean alter(Connection c, String value) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true); // ALTER SYSTEM cannot run inside a transaction block
        try (Statement st = c.createStatement()) {
            // value: empty or a validated identifier in double quotes (no single quote can occur)
            st.execute("ALTER SYSTEM SET synchronous_standby_names = '" + value + "'");
            st.execute("SELECT pg_reload_conf()");
            return true;
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** Whether this role may change the setting (superuser, or the PostgreSQL 15+ grants). */
    public static boolean mayAlter(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT rolsuper OR (current_setting('server_version_num')::int >= 150000"
                        + " AND has_parameter_privilege('synchronous_standby_names', 'ALTER SYSTEM')"
                        + " AND has_function_privilege('pg_reload_conf()', 'EXECUTE'))"
                        + " FROM pg_roles WHERE rolname = current_user")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /** What a superuser runs so that a non-superuser sidecar role can manage the setting itself. */
    public static List<String> grantStatements(String role) {
        String r = "\"" + role.replace("\"", "\"\"") + "\"";
        return List.of("GRANT ALTER SYSTEM ON PARAMETER synchronous_standby_names TO " + r + ";",
                "GRANT EXECUTE ON FUNCTION pg_reload_conf() TO " + r + ";");
    }

    /** The statements that make the sidecar the synchronous standby, for an operator to run by hand. */
    public static List<String> enableStatements(String applicationName) {
        return List.of("ALTER SYSTEM SET synchronous_standby_names = '" + valueFor(applicationName) + "';", "SELECT pg_reload_conf();");
    }
}
