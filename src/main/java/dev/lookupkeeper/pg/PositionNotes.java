package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Positions strict consistency confirms to the server without storing a checkpoint, noted in an
 * unlogged sequence per stream (sql/install/confirm_notes.sql): noting one writes no WAL, so it
 * creates no transaction the stream would have to confirm in turn. The slot check accepts a slot
 * confirmed up to the greater of the checkpoint and the note.
 */
public final class PositionNotes {
    private PositionNotes() {}

    /** The note sequence of a stream, schema-qualified and quoted. */
    public static String sequence(Settings settings, String stream) {
        return Identifiers.quote(settings.schema()) + "." + Identifiers.quote("confirmed_" + stream);
    }

    /** Whether install still has to create the note sequences (PostgreSQL 15+ only). */
    public static boolean missing(Connection c, Settings settings) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NULL OR to_regclass(?) IS NULL")) {
            ps.setString(1, sequence(settings, "main"));
            ps.setString(2, sequence(settings, "shadow"));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The stream's noted position as a 64-bit LSN; 0 when none was noted or there is no sequence. */
    public static long noted(Connection c, Settings settings, String stream) throws SQLException {
        String seq = sequence(settings, stream);
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0;
                }
            }
        }
        // pg_sequence_last_value needs USAGE or SELECT only (reading the sequence as a table needs SELECT);
        // NULL until a position was noted
        java.sql.Savepoint sp = c.getAutoCommit() ? null : c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(pg_sequence_last_value(?::regclass), 0)")) {
            ps.setString(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            if (!isUnreadable(e)) {
                throw e;
            }
            if (sp != null) {
                c.rollback(sp);
            }
            // no note: the slot check is then stricter, never laxer
            LOG.warn("sequence {} cannot be read ({}): an unlogged sequence on a promoted standby (PostgreSQL 15); positions are checked"
                    + " without its note; `lookupkeeper install` (or run) as its owner re-creates it", seq, PgErrors.brief(e));
            return 0;
        }
    }

    /**
     * The note sequences that exist but cannot be read: PostgreSQL 15 can leave an unlogged
     * sequence's page empty on a standby that was promoted ("bad magic number in sequence").
     */
    public static java.util.List<String> unreadable(Connection c, Settings settings) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String stream : new String[] {"main", "shadow"}) {
            String seq = sequence(settings, stream);
            java.sql.Savepoint sp = c.getAutoCommit() ? null : c.setSavepoint();
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_sequence_last_value(r) FROM to_regclass(?) r WHERE r IS NOT NULL")) {
                ps.setString(1, seq);
                ps.executeQuery().close();
            } catch (SQLException e) {
                if (!isUnreadable(e)) {
                    throw e;
                }
                if (sp != null) {
                    c.rollback(sp);
                }
                out.add(seq);
            }
        }
        return out;
    }

    /** The failure of an unlogged sequence left empty by a standby's promotion (PostgreSQL 15), by its SQLSTATE and message. */
    public static boolean isUnreadable(SQLException e) {
        return "XX000".equals(e.getSQLState()) && e.getMessage() != null && e.getMessage().contains("bad magic number in sequence");
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PositionNotes.class);
}
