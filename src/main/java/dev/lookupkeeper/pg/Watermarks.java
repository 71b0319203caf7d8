package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Watermark rows: inserted into lookupkeeper.watermark, they travel through the publication, and a
 * stream that has applied watermark W has applied every message committed before W was inserted.
 * verify, verify --parity and switch all wait on them.
 */
public final class Watermarks {
    private Watermarks() {}

    /** Inserts a watermark (in its own transaction) and returns its id. */
    public static long insert(Connection c, Settings settings) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("INSERT INTO " + Identifiers.quote(settings.schema()) + ".watermark DEFAULT VALUES RETURNING id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The highest watermark a stream has applied (0 when it has none yet). */
    public static long applied(Connection c, Settings settings, String stream) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT applied_watermark FROM " + Identifiers.quote(settings.schema()) + ".streams WHERE stream = ?")) {
            ps.setString(1, stream);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Waits until the stream applied the mark; else a DatabaseNotReadyException saying who did not. */
    public static void await(Connection c, Settings settings, String stream, long mark, Duration wait, String who)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (applied(c, settings, stream) < mark) {
            if (System.nanoTime() > deadline) {
                throw new DatabaseNotReadyException(who + " did not apply watermark " + mark + " within " + wait.toSeconds()
                        + " s: it is stalled or far behind (raise --wait or check its logs)");
            }
            Thread.sleep(20);
        }
    }
}
