package dev.lookupkeeper.pg;

import java.sql.SQLException;

/** Short, secret-free renderings of driver errors for one-line messages. */
public final class PgErrors {
    private PgErrors() {}

    /**
     * Whether a failure is a lost connection or a server going away (SQLSTATE class 08, 57P0x,
     * or an I/O error underneath): worth reconnecting, unlike a decoding or permission error.
     */
    public static boolean isConnectionLoss(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause() == x ? null : x.getCause()) {
            if (x instanceof SQLException e && e.getSQLState() != null
                    && (e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57P"))) {
                return true;
            }
            if (x instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    public static String brief(SQLException e) {
        if (e == null) {
            return "unknown error";
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = msg.indexOf('\n');
        if (nl >= 0) {
            msg = msg.substring(0, nl);
        }
        return msg.trim();
    }

    static String hint(SQLException e) {
        if (e == null || e.getSQLState() == null) {
            return "";
        }
        return switch (e.getSQLState()) {
            case "28P01", "28000" -> " (check PGUSER and PGPASSWORD or --password-file)";
            case "3D000" -> " (check PGDATABASE or the database in --db-url)";
            case "08001", "08004", "08006" -> " (check PGHOST/PGPORT or --db-url, and that the server is running)";
            default -> "";
        };
    }
}
