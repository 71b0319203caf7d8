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
        String rcv = System.getProperty("lk.rcvbuf");
        if (rcv != null) {
            p.setProperty("receiveBufferSize", rcv);
        }
        return DriverManager.getConnection(settings.jdbcUrl(), p);
    }

    public String applicationName() {
        return applicationName;
    }
}
