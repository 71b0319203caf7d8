package dev.lookupkeeper.operations.install;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Creates what lookupkeeper needs, idempotently and in one transaction: the lookup table (only
 * when missing), lookupkeeper's own schema and the publication of the messages table (inserts, deletes, truncates). Every DDL runs under a
 * short lock_timeout, so it never queues pushes into queen.messages behind a long wait.
 */
public final class Installer {
    private final Settings settings;
    private final SqlTemplates sql;

    public Installer(Settings settings) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
    }

    /** What install did, one line per object. */
    public record Report(List<String> actions) {}

    public Report install(Connection c, boolean streaming) throws SQLException {
        Preflight.ServerFacts facts = Preflight.check(c, settings, streaming);
        List<String> actions = new ArrayList<>();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '5s'");
            if (facts.lookupTableExists()) {
                actions.add("table " + settings.queueSchema() + ".partition_lookup: exists, used as it is");
            } else {
                st.execute(sql.get("install/lookup_table.sql"));
                actions.add("table " + settings.queueSchema() + ".partition_lookup: created");
            }
            if (ownObjectsComplete(c)) {
                // nothing to create: a role without CREATE privilege (see sql/roles) gets through
                actions.add("schema " + settings.schema() + ": exists, complete");
            } else {
                boolean schemaExisted = exists(c, "SELECT 1 FROM pg_namespace WHERE nspname = ?", settings.schema());
                st.execute(sql.get("install/own_schema.sql"));
                actions.add("schema " + settings.schema() + ": " + (schemaExisted ? "exists, brought up to date" : "created"));
            }
            List<String> regrants = new ArrayList<>();
            if (facts.versionNum() >= 150000) {
                for (String broken : dev.lookupkeeper.pg.PositionNotes.unreadable(c, settings)) {
                    if (ownsRelation(c, broken)) {
                        regrants.addAll(grantsOf(c, broken));
                        st.execute("DROP SEQUENCE " + broken); // a quoted, schema-qualified name of ours
                        actions.add("sequence " + broken + ": unreadable (an unlogged sequence after a standby's promotion), re-created");
                    }
                }
            }
            if (facts.versionNum() >= 150000 && dev.lookupkeeper.pg.PositionNotes.missing(c, settings)) {
                st.execute(sql.get("install/confirm_notes.sql"));
                actions.add("sequences " + settings.schema() + ".confirmed_*: created (strict consistency's position notes)");
            }
            for (String grant : regrants) {
                st.execute(grant); // the rights the role script gave on the sequence that was dropped
            }
            actions.add("publication " + settings.publication() + ": " + ensurePublication(c, st, facts));
            actions.add("publication " + settings.selectionPublication() + ": " + ensureSelectionPublication(c, st, facts));
            c.commit();
        } catch (SQLException | RuntimeException e) {
            // rollback before anything else: restoring autocommit below would commit the work
            c.rollback();
            if (e instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
                throw new DatabaseNotReadyException("install waited more than 5 s for a lock (a long transaction holds "
                        + settings.queueSchema() + " tables); nothing was changed: retry when it has finished");
            }
            if (e instanceof SQLException sql && "42501".equals(sql.getSQLState())) {
                throw new DatabaseNotReadyException("install lacks a privilege: " + PgErrors.brief(sql)
                        + "; run install once as the table owner (see sql/roles/lookupkeeper_role.sql)");
            }
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
        return new Report(actions);
    }

    private String ensurePublication(Connection c, Statement st, Preflight.ServerFacts facts) throws SQLException {
        Set<String> tables = new TreeSet<>();
        boolean found = false;
        boolean allTables = false;
        boolean inserts = true;
        boolean deletes = true;
        try (PreparedStatement ps = c.prepareStatement(sql.get("install/publication_tables.sql"))) {
            ps.setString(1, settings.publication());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found = true;
                    allTables = rs.getBoolean(1);
                    inserts = rs.getBoolean(2);
                    deletes = rs.getBoolean(3);
                    if (rs.getString(4) != null) {
                        tables.add(rs.getString(4) + "." + rs.getString(5));
                    }
                }
            }
        }
        String messages = settings.queueSchema() + ".messages";
        String watermark = settings.schema() + ".watermark";
        if (!found) {
            st.execute(sql.get(facts.columnLists() ? "install/publication_columns.sql" : "install/publication_plain.sql"));
            return facts.columnLists() ? "created (inserts, deletes by key, truncates; columns id, partition_id, created_at)"
                    : "created (inserts, deletes by key, truncates)";
        }
        Set<String> expected = new TreeSet<>(List.of(messages, watermark));
        Set<String> foreign = new TreeSet<>(tables);
        foreign.removeAll(expected);
        if (allTables || !foreign.isEmpty() || !tables.contains(messages) || !inserts) {
            String what = allTables ? "FOR ALL TABLES" : tables.isEmpty() ? "for no tables" : "for " + String.join(", ", tables);
            throw new DatabaseNotReadyException("publication " + settings.publication() + " already exists " + what
                    + (inserts ? "" : " without inserts") + "; lookupkeeper needs its own publication on " + messages
                    + ": choose another name with --publication, or drop that publication if it is a leftover");
        }
        if (facts.columnLists()) {
            List<String> lacking = lackingColumns(c);
            if (!lacking.isEmpty()) {
                throw new DatabaseNotReadyException("publication " + settings.publication() + " ships " + messages + " without column(s) "
                        + String.join(", ", lacking) + ": ALTER PUBLICATION " + quoted("publication") + " SET TABLE "
                        + quotedQueueSchema() + ".messages (id, partition_id, created_at), " + quoted("schema") + ".watermark");
            }
        }
        List<String> changed = new ArrayList<>();
        if (!tables.contains(watermark)) {
            st.execute("ALTER PUBLICATION " + quoted("publication") + " ADD TABLE " + quoted("schema") + ".watermark");
            changed.add("watermark table added");
        }
        if (!deletes) {
            // deletes let the stream heal rows whose message is gone (retention); a key is all they carry
            st.execute("ALTER PUBLICATION " + quoted("publication") + " SET (publish = 'insert, delete, truncate')");
            changed.add("now publishes deletes and truncates");
        }
        return changed.isEmpty() ? "exists, correct" : "exists, " + String.join(", ", changed);
    }

    /** The in-memory selection's publication; left out (selection then runs as SQL) without logical WAL. */
    private String ensureSelectionPublication(Connection c, Statement st, Preflight.ServerFacts facts) throws SQLException {
        if (exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", settings.selectionPublication())) {
            // older installs published partition_lookup too: the stream would decode the sidecar's own upserts again
            if (exists(c, "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND tablename = 'partition_lookup'", settings.selectionPublication())) {
                st.execute("ALTER PUBLICATION " + dev.lookupkeeper.config.Identifiers.quote(settings.selectionPublication())
                        + " DROP TABLE " + dev.lookupkeeper.config.Identifiers.quote(settings.queueSchema()) + ".partition_lookup");
                return "exists, partition_lookup taken out (the sidecar feeds its own rows to the selection)";
            }
            return "exists";
        }
        try (ResultSet rs = st.executeQuery("SELECT current_setting('wal_level')")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                return "not created (wal_level is not logical: the selection is served by SQL)";
            }
        }
        st.execute(sql.get(facts.columnLists() ? "install/selection_publication_columns.sql" : "install/selection_publication_plain.sql"));
        return "created (partition_consumers, partitions, queues: the in-memory selection)";
    }

    /** Columns the stream reads that the publication's column list of queen.messages leaves out (PostgreSQL 15+). */
    private List<String> lackingColumns(Connection c) throws SQLException {
        List<String> lacking = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("install/publication_lacking_columns.sql"))) {
            ps.setString(1, settings.publication());
            ps.setString(2, settings.queueSchema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lacking.add(rs.getString(1));
                }
            }
        }
        return lacking;
    }

    private String quotedQueueSchema() {
        return dev.lookupkeeper.config.Identifiers.quote(settings.queueSchema());
    }

    private String quoted(String which) {
        return dev.lookupkeeper.config.Identifiers.quote(which.equals("publication") ? settings.publication() : settings.schema());
    }

    private boolean ownObjectsComplete(Connection c) throws SQLException {
        String schema = dev.lookupkeeper.config.Identifiers.quote(settings.schema());
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL"
                + " AND to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL"
                + " AND to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL"
                // the newest column of streams: an older install is brought up to date
                + " AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) AND attname = 'rebootstrap_reason'"
                + " AND NOT attisdropped)")) {
            ps.setString(8, schema + ".streams");
            ps.setString(7, schema + ".commit_levels");
            ps.setString(1, schema + ".state");
            ps.setString(2, schema + ".source_offsets");
            ps.setString(3, schema + ".watermark");
            ps.setString(4, schema + ".streams");
            ps.setString(5, schema + ".shadow_lookup");
            ps.setString(6, schema + ".instances");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return false;
                }
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.get("install/own_rows.sql"))) {
            rs.next();
            if (rs.getLong(1) != 2) {
                return false;
            }
        }
        // columns added by later versions (ADD COLUMN IF NOT EXISTS in own_schema.sql)
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_attribute WHERE NOT attisdropped AND"
                + " ((attrelid = to_regclass(?) AND attname = 'held_from_lsn') OR (attrelid = to_regclass(?) AND attname = 'strict_relaxed_reason'))")) {
            ps.setString(1, schema + ".streams");
            ps.setString(2, schema + ".state");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 2;
            }
        }
    }

    private static boolean exists(Connection c, String query, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** GRANT statements that give back what a sequence's ACL grants to others (its owner's rights come with the new one). */
    private static List<String> grantsOf(Connection c, String sequence) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.privilege_type, quote_ident(r.rolname) FROM pg_class s CROSS JOIN LATERAL"
                + " aclexplode(s.relacl) a JOIN pg_roles r ON r.oid = a.grantee WHERE s.oid = ?::regclass AND a.grantee <> s.relowner")) {
            ps.setString(1, sequence);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String privilege = rs.getString(1);
                    if (privilege.equals("USAGE") || privilege.equals("SELECT") || privilege.equals("UPDATE")) {
                        out.add("GRANT " + privilege + " ON SEQUENCE " + sequence + " TO " + rs.getString(2));
                    }
                }
            }
        }
        return out;
    }

    private static boolean ownsRelation(Connection c, String relation) throws SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = ?::regclass")) {
            ps.setString(1, relation);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
