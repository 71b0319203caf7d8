package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens a walsender connection (replication=database) with the sidecar's credentials. Its
 * application_name is what synchronous_standby_names names for strict consistency.
 */
public final class ReplicationConnector {
    private final ConnectionSettings settings;
    private final String applicationName;

    public ReplicationConnector(ConnectionSettings settings, String applicationName) {
        this.settings = settings;
        this.applicationName = applicationName;
    }

    public Connection open() throws SQLException {
        Properties p = Database.driverProperties(settings, applicationName);
        p.setProperty("replication", "database");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "10");
        Integer rcv = receiveBuffer();
        if (rcv != null) {
            p.setProperty("receiveBufferSize", rcv.toString());
        }
        return DriverManager.getConnection(settings.jdbcUrl(), p);
    }

    /**
     * {@code -Dlk.rcvbuf=BYTES}: a fixed receive buffer for the replication connection (none: the
     * kernel's, autotuned). A small one made a backlog drain faster on one host (docs/benchmarks.md)
     * but caps the stream over a link with a long round trip, so it is opt-in.
     */
    static Integer receiveBuffer() {
        String value = System.getProperty("lk.rcvbuf");
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            int bytes = Integer.parseInt(value.trim());
            if (bytes >= 4096) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException("-Dlk.rcvbuf must be a byte count of at least 4096 (e.g. 65536), not '" + value + "'");
    }

    public String applicationName() {
        return applicationName;
    }
}
