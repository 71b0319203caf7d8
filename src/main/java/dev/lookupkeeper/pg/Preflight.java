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

    private static final List<String> LOOKUP_COLUMNS =
            List.of("queue_name", "partition_id", "last_message_id", "last_message_created_at", "updated_at");

    private Preflight() {}

    /** @param streaming whether this command reads a replication slot (needs wal_level and REPLICATION) */
    public static ServerFacts check(Connection c, Settings s, boolean streaming) throws SQLException {
        int version = intQuery(c, "SELECT current_setting('server_version_num')::int");
        if (version < 100000) {
            throw new DatabaseNotReadyException("PostgreSQL " + version / 10000 + " is too old: lookupkeeper needs PostgreSQL 10 or newer (pgoutput)");
        }
        if (streaming) {
            List<String> problems = new ArrayList<>();
            String walLevel = stringQuery(c, "SELECT current_setting('wal_level')");
            if (!"logical".equals(walLevel)) {
                problems.add("wal_level is '" + walLevel + "' but must be 'logical': set wal_level = logical in postgresql.conf"
                        + " (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL");
            }
            String user = c.getMetaData().getUserName();
            try (PreparedStatement ps = c.prepareStatement("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    problems.add("role '" + user + "' lacks the REPLICATION attribute needed to read a slot: run ALTER ROLE " + user + " REPLICATION");
                }
            }
            List<String> privileges = Privileges.missing(c, s);
            if (!privileges.isEmpty()) {
                problems.add("role '" + user + "' lacks " + String.join(", ", privileges));
            }
            problems.addAll(ReplicationCapacity.problems(c, s));
            if (!problems.isEmpty()) {
                boolean roleProblem = problems.stream().anyMatch(p -> p.startsWith("role "));
                throw new DatabaseNotReadyException(String.join("; ", problems)
                        + (roleProblem ? " (grant what is missing as sql/roles/lookupkeeper_role.sql does)" : ""));
            }
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
        boolean lookupExists = columns.containsKey("partition_lookup");
        if (lookupExists) {
            requireColumns(s, columns, "partition_lookup", LOOKUP_COLUMNS);
            requireUniqueKey(c, s);
        }
        return new ServerFacts(version, lookupExists);
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

    private static void requireUniqueKey(Connection c, Settings s) throws SQLException {
        String sql = "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
                + " JOIN pg_namespace n ON n.oid = t.relnamespace"
                + " WHERE n.nspname = ? AND t.relname = 'partition_lookup' AND i.indisunique"
                + " AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a"
                + "      WHERE a.attrelid = t.oid AND a.attnum = ANY(i.indkey)) = ARRAY['partition_id', 'queue_name']";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, s.queueSchema());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    throw new DatabaseNotReadyException("table " + s.queueSchema() + ".partition_lookup has no UNIQUE (queue_name, partition_id):"
                            + " the upsert needs it as its ON CONFLICT target; add it with"
                            + " ALTER TABLE " + s.queueSchema() + ".partition_lookup ADD UNIQUE (queue_name, partition_id)");
                }
            }
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
}
