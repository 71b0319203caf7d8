package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the queue's sessions commit ({@code synchronous_commit}), as far as this database and its
 * roles set it. Strict consistency wants {@code remote_apply}: a push then waits until the sidecar
 * reports its lookup row visible, and the sidecar reports flushed — what the slot confirms — only
 * once that row is durable, so its own commit need not wait for it. At {@code on} a push waits for
 * the flush report, which then has to come at once (today's path). {@code local} and {@code off}
 * opt a session out of waiting at all.
 */
public final class QueueCommitLevel {
    /** The level strict consistency asks for. */
    public static final String STRICT_LEVEL = "remote_apply";
    private static final SqlTemplates SQL = new SqlTemplates(Map.of());

    /**
     * One setting: {@code scope} is "database", "role NAME", "role NAME in database", or "server" (the
     * configuration files, or the built-in default: what a session gets when its database and role set
     * nothing).
     */
    public record Setting(String scope, String value) {
        public boolean server() {
            return SERVER.equals(scope);
        }
    }

    /** The scope of the server-wide setting. */
    public static final String SERVER = "server";

    private QueueCommitLevel() {}

    /**
     * The settings that apply in this database, most specific first, the server's last (absent when
     * this role may not read the server's configuration files).
     */
    public static List<Setting> read(Connection c) throws SQLException {
        List<Setting> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(SQL.get("check/queue_synchronous_commit.sql"))) {
            while (rs.next()) {
                out.add(new Setting(rs.getString(1), rs.getString(2)));
            }
        }
        if (mayReadServerSetting(c)) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SQL.get("check/server_synchronous_commit.sql"))) {
                rs.next();
                out.add(new Setting(SERVER, rs.getString(1)));
            }
        }
        return out;
    }

    /**
     * The levels that let a queue session skip waiting for its lookup row ({@code local}, {@code
     * off}) among those that apply: the server's counts only where the database sets nothing (a
     * role's own setting still overrides it for that role).
     */
    public static long optedOut(List<Setting> settings) {
        boolean databaseSets = settings.stream().anyMatch(x -> x.scope().equals("database"));
        return settings.stream().filter(x -> !x.server() || !databaseSets)
                .filter(x -> x.value().equals("local") || x.value().equals("off")).count();
    }

    private static boolean mayReadServerSetting(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT has_function_privilege('pg_show_all_file_settings()', 'EXECUTE')")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /** What the settings say, in one line ("remote_apply (database); on (role queen)"). */
    public static String describe(List<Setting> settings) {
        if (settings.isEmpty()) {
            return "the server's setting (postgresql.conf, which this role may not read; on unless changed)";
        }
        StringBuilder b = new StringBuilder();
        for (Setting s : settings) {
            b.append(b.isEmpty() ? "" : "; ").append(s.value()).append(" (").append(s.scope()).append(')');
        }
        return b.toString();
    }

    /**
     * The statement that makes the queue's sessions commit at {@link #STRICT_LEVEL}: for every role
     * in this database, or for {@code role} only.
     */
    public static String statement(Connection c, String role) throws SQLException {
        String database = Identifiers.quote(currentDatabase(c));
        return role == null
                ? "ALTER DATABASE " + database + " SET synchronous_commit = " + STRICT_LEVEL
                : "ALTER ROLE " + Identifiers.quote(Identifiers.validate("--queue-role", role)) + " IN DATABASE " + database
                  + " SET synchronous_commit = " + STRICT_LEVEL;
    }

    /**
     * Sets {@link #STRICT_LEVEL} where this role may (the database's owner, a superuser, or for a
     * role: whoever may alter it). New sessions get it; the queue's pooled ones keep theirs until
     * they reconnect. Lookupkeeper's own sessions always commit at {@code local}.
     *
     * @return false when the role may not (nothing changed)
     */
    public static boolean set(Connection c, String role) throws SQLException {
        String sql = statement(c, role);
        boolean auto = c.getAutoCommit();
        try (Statement st = c.createStatement()) {
            st.execute(sql);
            return true;
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                if (!auto) {
                    c.rollback();
                }
                return false;
            }
            throw e;
        }
    }

    private static String currentDatabase(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT current_database()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
