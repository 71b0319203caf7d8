package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The commit levels `install --consistency strict` set for the queue's sessions, kept in
 * lookupkeeper's schema ({@code commit_levels}) so that `uninstall` takes back what it set and
 * nothing else: a level the operator set is theirs to keep.
 */
public final class CommitLevelLedger {
    /** One level set: for the database ({@code role} null) or for one role in it. */
    public record Entry(String role, String level) {}

    private final SqlTemplates sql;
    private final String schema;

    public CommitLevelLedger(Settings settings) {
        this.sql = SqlTemplates.of(settings);
        this.schema = settings.schema();
    }

    public void record(Connection c, String role, String level) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("install/commit_level_record.sql"))) {
            ps.setString(1, role == null ? "" : role);
            ps.setString(2, level);
            ps.executeUpdate();
        }
    }

    /**
     * What install set, the database's first; empty when nothing was, when lookupkeeper's schema
     * predates the ledger, or when this role may not read it (a sidecar role granted its rights
     * before the table existed).
     */
    public List<Entry> read(Connection c) throws SQLException {
        List<Entry> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("install/commit_levels_readable.sql"))) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return out;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.get("install/commit_levels_recorded.sql")); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String role = rs.getString(1);
                out.add(new Entry(role.isEmpty() ? null : role, rs.getString(2)));
            }
        }
        return out;
    }

    /** The roles install set at the consumers' level. */
    public List<String> consumerRoles(Connection c) throws SQLException {
        return read(c).stream().filter(e -> e.role() != null && QueueCommitLevel.CONSUMER_LEVEL.equals(e.level()))
                .map(Entry::role).toList();
    }
}
