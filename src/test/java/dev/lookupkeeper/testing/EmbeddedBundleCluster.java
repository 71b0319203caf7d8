package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

/** Fallback when no local binaries exist: the PostgreSQL bundled in the jar (zonky). */
final class EmbeddedBundleCluster implements PgCluster {
    private final EmbeddedPostgres pg;

    private EmbeddedBundleCluster(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    static EmbeddedBundleCluster start(Map<String, String> settings) throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
        settings.forEach(b::setServerConfig);
        EmbeddedPostgres pg = b.start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("ALTER ROLE postgres PASSWORD '" + LocalBinariesCluster.PASSWORD + "'");
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
        return new EmbeddedBundleCluster(pg);
    }

    @Override
    public ConnectionSettings admin() {
        return new ConnectionSettings("localhost", pg.getPort(), "postgres", "postgres", LocalBinariesCluster.PASSWORD, "disable");
    }

    @Override
    public String kind() {
        return "embedded bundle";
    }

    @Override
    public void close() {
        try {
            pg.close();
        } catch (IOException e) {
            // already stopped
        }
    }
}
