package dev.lookupkeeper.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Small catalog and snapshot helpers several commands share. */
public final class Catalog {
    private Catalog() {}

    /** Whether a relation exists; the name is a quoted, schema-qualified identifier. */
    public static boolean exists(Connection c, String regclass) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, regclass);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * (Re)creates a session temporary table from one REPEATABLE READ snapshot, for comparisons made
     * later against tables that keep moving. Leaves the connection in autocommit.
     */
    public static boolean publicationExists(Connection c, String publication) throws SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public static void snapshotIntoTemp(Connection c, String tempTable, String createSql) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            st.execute("DROP TABLE IF EXISTS pg_temp." + tempTable);
            st.execute(createSql);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
