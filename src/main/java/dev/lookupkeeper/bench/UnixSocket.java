package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The benchmark server's Unix-domain socket, for the suites that compare it with TCP loopback. */
final class UnixSocket {
    private UnixSocket() {}

    /** The same server and login through its first Unix-socket directory; null when it listens on none. */
    static ConnectionSettings of(Connection c, ConnectionSettings tcp) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT split_part(current_setting('unix_socket_directories'), ',', 1)")) {
            String dir = rs.next() ? rs.getString(1).trim() : "";
            if (!dir.startsWith("/")) {
                return null; // none, or an abstract-namespace socket ('@…'), which libpq-style directories cannot name
            }
            ConnectionSettings unix = new ConnectionSettings(dir, tcp.port(), tcp.database(), tcp.user(), tcp.password(), "disable");
            // the server may run elsewhere (a container): its socket must be here too
            return java.nio.file.Files.exists(java.nio.file.Path.of(unix.socketPath())) ? unix : null;
        }
    }

    /** As {@link #of}, for a run that was asked for the socket: none is an error. */
    static ConnectionSettings required(Connection c, ConnectionSettings tcp) throws SQLException {
        ConnectionSettings unix = of(c, tcp);
        if (unix == null) {
            throw new dev.lookupkeeper.config.ConfigException("--sidecar-socket unix: the benchmark server has no Unix-domain socket reachable"
                    + " here (unix_socket_directories names none, or an abstract one); run with --sidecar-socket tcp");
        }
        return unix;
    }
}
