package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;

/** A running PostgreSQL server for tests: local binaries, the embedded bundle, or a container. */
public interface PgCluster extends AutoCloseable {
    /** Superuser connection to the "postgres" database. */
    ConnectionSettings admin();

    String kind();

    @Override
    void close();
}
