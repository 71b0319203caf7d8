package dev.lookupkeeper.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One PostgreSQL cluster per test run (plus, on request, clusters with other settings such as
 * wal_level=replica). A container where Docker answers; otherwise local binaries; otherwise the
 * embedded bundle.
 */
public final class Clusters {
    private static PgCluster shared;

    private Clusters() {}

    /** The local PostgreSQL bin directory the tests would use (PG_BIN, or the newest under /usr/lib/postgresql), if any. */
    public static Optional<Path> localBinaries() {
        return LocalBinariesCluster.findBinaries();
    }

    public static Map<String, String> logicalSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("wal_level", "logical");
        m.put("max_replication_slots", "64");
        m.put("max_wal_senders", "64");
        m.put("max_connections", "300");
        m.put("fsync", "off");
        m.put("synchronous_commit", "on");
        m.put("shared_buffers", "256MB");
        m.put("max_wal_size", "2GB");
        return m;
    }

    public static synchronized PgCluster shared() {
        if (shared == null) {
            shared = start(logicalSettings());
            SuiteResources.closeAtEnd(shared);
            System.err.println("[tests] PostgreSQL: " + shared.kind() + " on port " + shared.admin().port());
        }
        return shared;
    }

    /** A separate cluster with the given settings; the caller closes it. */
    public static PgCluster start(Map<String, String> settings) {
        try {
            if (ContainerCluster.dockerAvailable()) {
                return ContainerCluster.start(settings);
            }
            Optional<Path> bin = LocalBinariesCluster.findBinaries();
            if (bin.isPresent()) {
                return LocalBinariesCluster.start(bin.get(), settings);
            }
            return EmbeddedBundleCluster.start(settings);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }
}
