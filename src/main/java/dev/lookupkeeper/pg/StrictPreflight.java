package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What strict consistency needs beyond CDC mode, named all at once: PostgreSQL 15+ (unlogged
 * sequences for its position notes), the
 * right to change synchronous_standby_names (the guard must be able to fail open), and the note
 * sequences `install` creates.
 */
public final class StrictPreflight {
    private StrictPreflight() {}

    public static void check(Connection c, Settings settings) throws SQLException {
        List<String> problems = new ArrayList<>();
        int version = c.getMetaData().getDatabaseMajorVersion();
        if (version < 15) {
            throw new DatabaseNotReadyException("--consistency strict needs PostgreSQL 15 or newer (this server is " + version
                    + "): use --consistency eventual");
        }
        if (!SynchronousStandbys.mayAlter(c)) {
            String user = currentUser(c);
            problems.add("role " + user + " may not change synchronous_standby_names (the guard must be able to fail open); as a"
                    + " superuser run: " + String.join(" ", SynchronousStandbys.grantStatements(user)));
        }
        if (PositionNotes.missing(c, settings)) {
            problems.add("the position-note sequences " + PositionNotes.sequence(settings, "main") + " are missing: run"
                    + " `lookupkeeper install --consistency strict`");
        } else if (!mayUpdate(c, PositionNotes.sequence(settings, "main"))) {
            problems.add("role " + currentUser(c) + " may not update " + PositionNotes.sequence(settings, "main")
                    + ": GRANT UPDATE ON ALL SEQUENCES IN SCHEMA " + settings.schema() + " (see sql/roles/lookupkeeper_role.sql)");
        }
        if (!problems.isEmpty()) {
            throw new DatabaseNotReadyException("strict consistency cannot start: " + String.join("; ", problems));
        }
    }

    private static String setting(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static boolean mayUpdate(Connection c, String sequence) throws SQLException {
        try (var ps = c.prepareStatement("SELECT has_sequence_privilege(?, 'UPDATE')")) {
            ps.setString(1, sequence);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        return setting(c, "SELECT current_user");
    }
}
