package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Start-up checks, run before anything is written. Each failure is one line that says what to
 * change on the server, as a {@link DatabaseNotReadyException}.
 */
public final class Preflight {
    /** What the checks learned about the server. */
    public record ServerFacts(int versionNum, boolean lookupTableExists) {
        /** Publication column lists arrived in PostgreSQL 15. */
        public boolean columnLists() {
            return versionNum >= 150000;
        }
    }

    private static final Map<String, List<String>> REQUIRED = new LinkedHashMap<>();

    static {
        REQUIRED.put("messages", List.of("id", "partition_id", "created_at"));
        REQUIRED.put("partitions", List.of("id", "queue_id", "name"));
        REQUIRED.put("queues", List.of("id", "name"));
    }

    private Preflight() {}

    /** @param streaming whether this command reads a replication slot (needs wal_level and REPLICATION) */
    public static ServerFacts check(Connection c, Settings s, boolean streaming) throws SQLException {
        int version = intQuery(c, "SELECT current_setting('server_version_num')::int");
        if (version < 100000) {
            throw new DatabaseNotReadyException("PostgreSQL " + version / 10000 + " is too old: lookupkeeper needs PostgreSQL 10 or newer (pgoutput)");
        }
        List<String> problems = new ArrayList<>();
        if (streaming) {
            String walLevel = stringQuery(c, "SELECT current_setting('wal_level')");
            if (!"logical".equals(walLevel)) {
                problems.add("wal_level is '" + walLevel + "' but must be 'logical': set wal_level = logical in postgresql.conf"
                        + " (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL");
            }
        }
        String lacks = roleLacks(c, s, Privileges.Access.WRITE, streaming ? Slot.ALWAYS : Slot.NEVER);
        if (lacks != null) {
            problems.add(lacks);
        }
        if (streaming) {
            problems.addAll(ReplicationCapacity.problems(c, s));
        }
        if (!problems.isEmpty()) {
            throw new DatabaseNotReadyException(String.join("; ", problems));
        }
        Map<String, Set<String>> columns = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(s).get("check/preflight_columns.sql"))) {
            ps.setString(1, s.queueSchema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
                }
            }
        }
        for (Map.Entry<String, List<String>> e : REQUIRED.entrySet()) {
            requireColumns(s, columns, e.getKey(), e.getValue());
        }
        LookupTableShape lookup = LookupTableShape.read(c, s);
        if (lookup.problem() != null) {
            throw new DatabaseNotReadyException(lookup.problem());
        }
        boolean lookupExists = lookup.exists();
        return new ServerFacts(version, lookupExists);
    }

    /** Whether a command reads a replication slot, for the REPLICATION attribute it needs. */
    public enum Slot {
        NEVER,
        ALWAYS,
        /**
         * `run`: only CDC mode streams, but the mode is read from lookupkeeper's schema; when the
         * role cannot read it, CDC (the default mode) is assumed, so the one line names REPLICATION too.
         */
        UNLESS_TRIGGER_MODE
    }

    /**
     * The rights a command needs, checked from the catalogs alone before its first query of
     * lookupkeeper's schema: everything missing in one line, e.g. "role 'app' cannot run lookupkeeper:
     * it lacks REPLICATION (...); USAGE on schema lookupkeeper; ...". Nothing is written before it.
     */
    public static void requireRights(Connection c, Settings s, Privileges.Access access, Slot slot) throws SQLException {
        String lacks = roleLacks(c, s, access, slot);
        if (lacks != null) {
            throw new DatabaseNotReadyException(lacks);
        }
    }

    /**
     * What {@code uninstall} needs, checked before it drops anything: the ownership of every object
     * it would drop (lookupkeeper's schema, the publications, the table that carries lookupkeeper's
     * trigger, the lookup table with {@code --drop-table}) and REPLICATION when a slot is to go —
     * all that is missing in one line.
     *
     * @param slots the slots uninstall would drop (those that do not exist need nothing)
     * @param alsoMissing another right the caller found missing (null: none), named in the same line
     */
    public static void requireOwnership(Connection c, Settings s, List<String> slots, boolean dropTable, String alsoMissing) throws SQLException {
        List<String> missing = new ArrayList<>();
        if (alsoMissing != null) {
            missing.add(alsoMissing);
        }
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(s).get("check/uninstall_rights.sql"))) {
            ps.setString(1, s.schema());
            ps.setString(2, s.publication());
            ps.setString(3, s.selectionPublication());
            ps.setString(4, s.queueSchema());
            ps.setBoolean(5, dropTable);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add("ownership of " + rs.getString(1));
                }
            }
        }
        String user = c.getMetaData().getUserName();
        List<String> present = new ArrayList<>();
        for (String slot : slots) {
            if (Slots.present(c, slot)) {
                present.add(slot);
            }
        }
        if (!present.isEmpty() && !canReplicate(c)) {
            missing.add(0, "REPLICATION (to drop slot " + String.join(", ", present) + ": ALTER ROLE " + user + " REPLICATION)");
        }
        if (!missing.isEmpty()) {
            throw new DatabaseNotReadyException("role '" + user + "' cannot uninstall lookupkeeper: it lacks " + String.join("; ", missing)
                    + " (run uninstall as the role that ran install, or a superuser)");
        }
    }

    /**
     * What {@code switch} needs besides the stream's rights, checked before it records any step:
     * the messages table's ownership and CREATE on lookupkeeper's schema (it creates and drops
     * triggers) — all that is missing in one line, naming who may run it.
     */
    public static void requireSwitchRights(Connection c, Settings s) throws SQLException {
        List<String> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(s).get("check/switch_rights.sql"))) {
            ps.setString(1, s.queueSchema());
            ps.setString(2, s.schema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add(rs.getString(1));
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new DatabaseNotReadyException("role '" + c.getMetaData().getUserName() + "' cannot switch modes: it lacks "
                    + String.join("; ", missing) + " (run switch as the tables' owner, the role that ran install; nothing was changed)");
        }
    }

    /** The role's missing rights as one phrase, or null when it has them all. */
    private static String roleLacks(Connection c, Settings s, Privileges.Access access, Slot slot) throws SQLException {
        List<String> missing = new ArrayList<>(Privileges.missing(c, s, access));
        boolean needsReplication = slot == Slot.ALWAYS || (slot == Slot.UNLESS_TRIGGER_MODE && !missing.isEmpty());
        String user = c.getMetaData().getUserName();
        if (needsReplication && !canReplicate(c)) {
            missing.add(0, "REPLICATION (to read a slot: ALTER ROLE " + user + " REPLICATION)");
        }
        if (missing.isEmpty()) {
            return null;
        }
        return "role '" + user + "' cannot run lookupkeeper: it lacks " + String.join("; ", missing)
                + " (grant what is missing as sql/roles/lookupkeeper_role.sql does)";
    }

    private static boolean canReplicate(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static void requireColumns(Settings s, Map<String, Set<String>> columns, String table, List<String> required) {
        Set<String> have = columns.get(table);
        String name = s.queueSchema() + "." + table;
        if (have == null) {
            throw new DatabaseNotReadyException("table " + name + " does not exist: point lookupkeeper at the queue's database"
                    + " (PGDATABASE or --db-url) or set --queue-schema");
        }
        List<String> missing = new ArrayList<>();
        for (String col : required) {
            if (!have.contains(col)) {
                missing.add(col);
            }
        }
        if (!missing.isEmpty()) {
            throw new DatabaseNotReadyException("table " + name + " lacks column(s) " + String.join(", ", missing)
                    + ": this is not a queen schema lookupkeeper can maintain");
        }
    }

    static int intQuery(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static String stringQuery(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * {@code --failover-slot}: refused below PostgreSQL 17 at once, not at the next bootstrap.
     * @return a warning when the slot exists but was made without failover (a promoted standby will
     *         not have it), else null
     */
    public static String checkFailoverSlot(Connection c, Settings settings) throws SQLException {
        if (!settings.failoverSlot()) {
            return null;
        }
        if (c.getMetaData().getDatabaseMajorVersion() < 17) {
            throw new DatabaseNotReadyException("--failover-slot needs PostgreSQL 17 or later (this server is "
                    + c.getMetaData().getDatabaseProductVersion() + "): leave it off; a failover then bootstraps again");
        }
        Slots.State slot = Slots.state(c, settings.slot());
        if (slot != null && Boolean.FALSE.equals(slot.failover())) {
            return "slot " + settings.slot() + " was made without failover: a promoted standby will not have it (drop it, e.g. with"
                    + " uninstall, to have it made anew with failover)";
        }
        return null;
    }
}
