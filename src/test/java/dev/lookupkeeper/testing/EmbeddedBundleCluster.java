package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

/** Fallback when no local binaries exist: the PostgreSQL bundled in the jar (zonky). */
final class EmbeddedBundleCluster implements PgCluster {
    private final EmbeddedPostgres pg;
    private final String kind;

    private EmbeddedBundleCluster(EmbeddedPostgres pg, String kind) {
        this.pg = pg;
        this.kind = kind;
    }

    static EmbeddedBundleCluster start(Map<String, String> settings) throws IOException {
        return start(settings, null, null, "embedded bundle");
    }

    /**
     * @param binaries another PostgreSQL bundle than the one on the class path (null: that one)
     * @param workingDirectory where zonky unpacks it (null: its own default)
     */
    static EmbeddedBundleCluster start(Map<String, String> settings, PgBinaryResolver binaries, java.io.File workingDirectory, String kind)
            throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
        if (binaries != null) {
            b.setPgBinaryResolver(binaries);
        }
        if (workingDirectory != null) {
            b.setOverrideWorkingDirectory(workingDirectory);
        }
        settings.forEach(b::setServerConfig);
        EmbeddedPostgres pg = b.start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("ALTER ROLE postgres PASSWORD '" + LocalBinariesCluster.PASSWORD + "'");
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
        return new EmbeddedBundleCluster(pg, kind);
    }

    @Override
    public ConnectionSettings admin() {
        return new ConnectionSettings("localhost", pg.getPort(), "postgres", "postgres", LocalBinariesCluster.PASSWORD, "disable");
    }

    @Override
    public String kind() {
        return kind;
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
