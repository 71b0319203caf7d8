package dev.lookupkeeper.check;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares the lookup with the truth computed from queen.messages. The truth is taken from one
 * snapshot; then a watermark row is inserted (it commits after every message in that snapshot)
 * and verify waits until the sink has applied it, so every message of the snapshot has had its
 * chance to reach the lookup. Only then are rows judged missing or stale.
 */
public final class Verifier {
    private final Settings settings;
    private final SqlTemplates sql;
    private final int sampleLimit;

    public Verifier(Settings settings, int sampleLimit) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
        this.sampleLimit = sampleLimit;
    }

    public VerifyReport verify(Connection c, Duration waitForStream) throws SQLException, InterruptedException {
        requireLookupTable(c);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            st.execute("DROP TABLE IF EXISTS pg_temp.lookupkeeper_truth");
            st.execute(sql.get("check/truth_snapshot.sql"));
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
        String point = waitForStreamPoint(c, waitForStream);
        List<String> missing = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        long missingCount = 0;
        long staleCount = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.get("check/missing_and_stale.sql"))) {
            while (rs.next()) {
                String label = rs.getString(2) + "/" + rs.getString(1);
                if ("missing".equals(rs.getString(3))) {
                    if (missingCount++ < sampleLimit) {
                        missing.add(label);
                    }
                } else if (staleCount++ < sampleLimit) {
                    stale.add(label + " (row " + rs.getString(6) + " < newest " + rs.getString(4) + ")");
                }
            }
        }
        long truthRows;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_temp.lookupkeeper_truth")) {
            rs.next();
            truthRows = rs.getLong(1);
        }
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS pg_temp.lookupkeeper_truth");
        }
        List<VerifyReport.Check> checks = List.of(
                new VerifyReport.Check("missing", missingCount == 0, missingCount, missing,
                        "partitions with messages but no lookup row (of " + truthRows + " partitions with messages)"),
                new VerifyReport.Check("stale", staleCount == 0, staleCount, stale,
                        "lookup rows behind their partition's newest message"));
        return new VerifyReport(missingCount == 0 && staleCount == 0, point, checks);
    }

    private void requireLookupTable(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL, to_regclass(?) IS NOT NULL")) {
            ps.setString(1, Identifiers.quote(settings.queueSchema()) + ".partition_lookup");
            ps.setString(2, Identifiers.quote(settings.queueSchema()) + ".messages");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(2)) {
                    throw new DatabaseNotReadyException("table " + settings.queueSchema() + ".messages does not exist: point verify at the queue's database");
                }
                if (!rs.getBoolean(1)) {
                    throw new DatabaseNotReadyException("table " + settings.queueSchema() + ".partition_lookup does not exist: run `lookupkeeper install`");
                }
            }
        }
    }

    /**
     * With a sidecar streaming, inserts a watermark and waits until the sink applied it.
     * Without one, the table is judged as it is: a lookup nobody maintains is stale, truthfully.
     */
    private String waitForStreamPoint(Connection c, Duration wait) throws SQLException, InterruptedException {
        String schema = Identifiers.quote(settings.schema());
        boolean streaming;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT to_regclass(?) IS NOT NULL AND EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND active)")) {
            ps.setString(1, schema + ".watermark");
            ps.setString(2, settings.slot());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                streaming = rs.getBoolean(1);
            }
        }
        if (!streaming) {
            return "no sidecar is streaming from slot " + settings.slot() + "; compared with the table as it is";
        }
        long mark;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("INSERT INTO " + schema + ".watermark DEFAULT VALUES RETURNING id")) {
            rs.next();
            mark = rs.getLong(1);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT applied_watermark FROM " + schema + ".streams WHERE stream = 'main'")) {
                if (rs.next() && rs.getLong(1) >= mark) {
                    break;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new DatabaseNotReadyException("the sidecar streaming from slot " + settings.slot() + " did not apply watermark " + mark
                        + " within " + wait.toSeconds() + " s: it is stalled or far behind (raise --wait or check its logs)");
            }
            Thread.sleep(20);
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".watermark WHERE id < ?")) {
            ps.setLong(1, mark);
            ps.executeUpdate();
        }
        return "watermark " + mark + " applied by the stream";
    }
}
