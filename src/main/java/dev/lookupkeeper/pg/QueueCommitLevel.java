package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.ConnectionSettings;
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
    /**
     * The level for a role that only consumes (`install --consumer-role`): a lease or an ack writes
     * no message and no lookup row, so it has nothing to wait for.
     */
    public static final String CONSUMER_LEVEL = "local";
    private static final SqlTemplates SQL = new SqlTemplates(Map.of());
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(QueueCommitLevel.class);

    /**
     * One setting: {@code scope} is "database", "role NAME", "role NAME in database", or "server" (the
     * configuration files, the server's command line or the built-in default: what a session gets when
     * neither its database nor its role sets it).
     */
    public record Setting(String scope, String value) {
        public boolean server() {
            return SERVER.equals(scope);
        }
    }

    /** The scope of the server-wide setting. */
    public static final String SERVER = "server";

    private QueueCommitLevel() {}

    /** The settings that apply in this database, most specific first; empty: the server's own setting for everyone. */
    public static List<Setting> read(Connection c) throws SQLException {
        List<Setting> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(SQL.get("check/queue_synchronous_commit.sql"))) {
            while (rs.next()) {
                out.add(new Setting(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    /**
     * {@link #read(Connection)}, then the server's own level last, as a session of this role sees it
     * when it sets nothing itself: a second session opened without lookupkeeper's settings, whose
     * {@code pg_settings} row shows the level and where it came from. When the database or the role
     * sets it, the server's level is hidden behind a setting already listed and is left out; so it
     * is when that session cannot be opened (the caller's report must not fail for it).
     */
    public static List<Setting> read(Connection c, ConnectionSettings connection) throws SQLException {
        List<Setting> out = read(c);
        try (Connection client = Database.connectAsQueueClient(connection, "lookupkeeper-commit-level");
             Statement st = client.createStatement();
             ResultSet rs = st.executeQuery("SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'")) {
            if (rs.next() && SERVER_SOURCES.contains(rs.getString(2))) {
                out.add(new Setting(SERVER, rs.getString(1)));
            }
        } catch (SQLException e) {
            LOG.debug("the server's synchronous_commit not read: {}", e.getMessage());
        }
        return out;
    }

    /** Where a level comes from when neither the database nor the role sets it (pg_settings.source). */
    private static final java.util.Set<String> SERVER_SOURCES =
            java.util.Set.of("default", "configuration file", "command line", "environment variable", "global");

    /**
     * The settings among those that apply that let a queue session skip waiting for its lookup row
     * ({@code local}, {@code off}). The server's is listed only where nothing overrides it, but a
     * database setting overrides it for every role, so it never counts beside one.
     */
    public static List<Setting> optingOut(List<Setting> settings) {
        boolean databaseSets = settings.stream().anyMatch(x -> x.scope().equals("database"));
        return settings.stream().filter(x -> !x.server() || !databaseSets)
                .filter(x -> x.value().equals("local") || x.value().equals("off")).toList();
    }

    /** What the settings say, in one line ("remote_apply (database); on (role queen)"). */
    public static String describe(List<Setting> settings) {
        if (settings.isEmpty()) {
            return "the server's setting (postgresql.conf; on unless changed)";
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
        return statement(c, role, STRICT_LEVEL);
    }

    /** The statement that sets {@code level} (one of this class's constants) for the database, or for {@code role} in it. */
    public static String statement(Connection c, String role, String level) throws SQLException {
        return scopeClause(c, role) + " SET synchronous_commit = " + level;
    }

    /** The statement that takes the database's (or {@code role}'s in it) own level away again. */
    public static String resetStatement(Connection c, String role) throws SQLException {
        return scopeClause(c, role) + " RESET synchronous_commit";
    }

    private static String scopeClause(Connection c, String role) throws SQLException {
        String database = Identifiers.quote(currentDatabase(c));
        return role == null
                ? "ALTER DATABASE " + database
                : "ALTER ROLE " + Identifiers.quote(Identifiers.validate("role", role)) + " IN DATABASE " + database;
    }

    /** The scope {@link #read(Connection)} names for the database ({@code role} null) or for a role in it. */
    public static String scope(String role) {
        return role == null ? "database" : "role " + role + " in database";
    }

    /** The level set for exactly that scope in this database, or null when it sets none. */
    public static String levelOf(List<Setting> settings, String role) {
        String scope = scope(role);
        return settings.stream().filter(x -> x.scope().equals(scope)).map(Setting::value).findFirst().orElse(null);
    }

    /**
     * Sets {@link #STRICT_LEVEL} where this role may (the database's owner, a superuser, or for a
     * role: whoever may alter it). New sessions get it; the queue's pooled ones keep theirs until
     * they reconnect. Lookupkeeper's own sessions always commit at {@code local}.
     *
     * @return false when the role may not (nothing changed)
     */
    public static boolean set(Connection c, String role) throws SQLException {
        return set(c, role, STRICT_LEVEL);
    }

    /** {@link #set(Connection, String)} with another level ({@link #CONSUMER_LEVEL}). */
    public static boolean set(Connection c, String role, String level) throws SQLException {
        return alter(c, statement(c, role, level));
    }

    /** Takes a level away again (uninstall); false when this role may not (nothing changed). */
    public static boolean reset(Connection c, String role) throws SQLException {
        return alter(c, resetStatement(c, role));
    }

    private static boolean alter(Connection c, String sql) throws SQLException {
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
