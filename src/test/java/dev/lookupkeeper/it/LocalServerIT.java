package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.EmbeddedServer;
import dev.lookupkeeper.testing.Clusters;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * `bench --postgres-bin`: a local installation started the way the bundled server is (logical
 * decoding, fsync off), gone after close; and the sink's pool keeps one plan per statement.
 */
class LocalServerIT {
    @Test
    void aLocalInstallationRunsWithTheBenchSettingsAndTheSinkPoolKeepsGenericPlans() throws Exception {
        Optional<Path> bin = Clusters.localBinaries();
        assumeThat(bin).as("local PostgreSQL binaries (PG_BIN or /usr/lib/postgresql; CI installs 15)").isPresent();
        String major = bin.get().getParent().getFileName().toString();
        EmbeddedServer server = EmbeddedServer.startLocal(bin.get(), 120);
        try {
            try (Connection c = Database.connect(server.connection(), "lookupkeeper-test")) {
                assertThat(show(c, "server_version")).as("the server from " + bin.get()).matches("\\d+\\..*");
                if (major.matches("\\d+")) {
                    assertThat(show(c, "server_version")).startsWith(major + ".");
                }
                assertThat(show(c, "wal_level")).isEqualTo("logical");
                assertThat(show(c, "fsync")).isEqualTo("off");
                assertThat(show(c, "max_connections")).isEqualTo("120");
                assertThat(show(c, "plan_cache_mode")).as("an ordinary session keeps PostgreSQL's choice").isEqualTo("auto");
            }
            try (var sink = Database.sinkPool(server.connection(), "lookupkeeper-sink", 1, null, null);
                 Connection c = ((DataSource) sink).getConnection()) {
                assertThat(show(c, "plan_cache_mode")).isEqualTo("force_generic_plan");
                assertThat(show(c, "synchronous_commit")).as("the sidecar's own commits").isEqualTo("local");
            }
        } finally {
            server.close();
        }
        try (Connection c = Database.connect(server.connection(), "lookupkeeper-test")) {
            throw new AssertionError("the server still answers after close");
        } catch (java.sql.SQLException expected) {
            assertThat(expected.getSQLState()).startsWith("08");
        }
    }

    private static String show(Connection c, String setting) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
