package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;

/** A running PostgreSQL server for tests: local binaries, the embedded bundle, or a container. */
public interface PgCluster extends AutoCloseable {
    /** Superuser connection to the "postgres" database. */
    ConnectionSettings admin();

    String kind();

    /** Whether {@link #restart(boolean)} works on this kind of cluster (local binaries: yes). */
    default boolean canRestart() {
        return false;
    }

    /**
     * pg_ctl restart, waiting until the server accepts connections again.
     *
     * @param immediate -m immediate (no shutdown checkpoint: crash recovery at start) instead of -m fast
     */
    default void restart(boolean immediate) {
        throw new UnsupportedOperationException(kind() + " cannot be restarted by the tests");
    }

    @Override
    void close();
}
