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

    /** A statement that gave up waiting for a lock (55P03: lock_timeout, or NOWAIT), anywhere in the chain. */
    public static boolean isLockTimeout(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause() == x ? null : x.getCause()) {
            if (x instanceof SQLException e && "55P03".equals(e.getSQLState())) {
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
        msg = msg.trim();
        String network = networkCause(e);
        return network == null ? msg : msg + " (" + network + ")";
    }

    /**
     * What the network said underneath a driver's generic "The connection attempt failed": an
     * unknown host, a refused or unreachable address, a timeout, a socket's own complaint. Null when
     * there is nothing below.
     */
    static String networkCause(Throwable e) {
        for (Throwable x = e.getCause(); x != null; x = x.getCause() == x ? null : x.getCause()) {
            if (x instanceof java.net.UnknownHostException u) {
                return "unknown host " + u.getMessage();
            }
            if (x instanceof java.net.SocketTimeoutException) {
                return "timed out";
            }
            if (x instanceof java.net.ConnectException || x instanceof java.net.NoRouteToHostException) {
                return x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage();
            }
            if (x instanceof java.net.SocketException && x.getMessage() != null) {
                // e.g. a Unix socket's "No such file or directory" or "Permission denied"
                return x.getMessage();
            }
        }
        return null;
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
