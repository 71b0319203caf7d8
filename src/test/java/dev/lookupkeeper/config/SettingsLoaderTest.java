package dev.lookupkeeper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
    @TempDir
    Path dir;

    @Test
    void libpqEnvironmentGivesTheConnection() {
        Settings s = new SettingsLoader(Map.of("PGHOST", "db.internal", "PGPORT", "6432", "PGDATABASE", "queue",
                "PGUSER", "keeper", "PGPASSWORD", "s3cret", "PGSSLMODE", "require")).load(null, Map.of());
        ConnectionSettings c = s.connection();
        assertThat(c.host()).isEqualTo("db.internal");
        assertThat(c.port()).isEqualTo(6432);
        assertThat(c.database()).isEqualTo("queue");
        assertThat(c.user()).isEqualTo("keeper");
        assertThat(c.password()).isEqualTo("s3cret");
        assertThat(c.sslMode()).isEqualTo("require");
        assertThat(c.toString()).doesNotContain("s3cret");
        assertThat(c.jdbcUrl()).doesNotContain("s3cret");
    }

    @Test
    void databaseDefaultsToTheUserLikeLibpq() {
        Settings s = new SettingsLoader(Map.of("PGUSER", "keeper")).load(null, Map.of());
        assertThat(s.connection().database()).isEqualTo("keeper");
        assertThat(s.connection().host()).isEqualTo("localhost");
        assertThat(s.connection().port()).isEqualTo(5432);
    }

    @Test
    void flagWinsOverEnvironmentWhichWinsOverFileWhichWinsOverDefaults() throws Exception {
        Path yaml = dir.resolve("lk.yaml");
        Files.writeString(yaml, "slot: from_file\nschema: file_schema\npublication: file_pub\nmax-batch-size: 100\n");
        Map<String, String> env = Map.of("PGHOST", "envhost", "PGDATABASE", "envdb", "LOOKUPKEEPER_SLOT", "from_env",
                "LOOKUPKEEPER_SCHEMA", "env_schema");
        Settings s = new SettingsLoader(env).load(yaml, Map.of("slot", "from_flag", "db-url", "postgresql://flaguser@flaghost:7000/flagdb"));
        assertThat(s.slot()).isEqualTo("from_flag");
        assertThat(s.schema()).isEqualTo("env_schema");
        assertThat(s.publication()).isEqualTo("file_pub");
        assertThat(s.maxBatchSize()).isEqualTo(100);
        assertThat(s.queueSchema()).isEqualTo("queen");
        assertThat(s.connection().host()).isEqualTo("flaghost");
        assertThat(s.connection().port()).isEqualTo(7000);
        assertThat(s.connection().database()).isEqualTo("flagdb");
        assertThat(s.connection().user()).isEqualTo("flaguser");
    }

    @Test
    void durationKeysTakeUnitsFromEveryLayer() {
        assertThat(new SettingsLoader(Map.of("LOOKUPKEEPER_POLL_INTERVAL_MS", "5ms")).load(null, Map.of()).pollInterval())
                .isEqualTo(java.time.Duration.ofMillis(5));
        assertThat(new SettingsLoader(Map.of()).load(null, Map.of("poll-interval-ms", "25")).pollInterval())
                .isEqualTo(java.time.Duration.ofMillis(25));
        assertThat(new SettingsLoader(Map.of("LOOKUPKEEPER_STRICT_FAILOVER", "20")).load(null, Map.of()).consistency().strictFailover())
                .isEqualTo(java.time.Duration.ofSeconds(20));
    }

    @Test
    void jdbcUrlIsAcceptedToo() {
        Settings s = new SettingsLoader(Map.of("PGHOST", "envhost")).load(null,
                Map.of("db-url", "jdbc:postgresql://h2:5433/d2?user=u2&sslmode=disable&ApplicationName=x"));
        assertThat(s.connection().host()).isEqualTo("h2");
        assertThat(s.connection().port()).isEqualTo(5433);
        assertThat(s.connection().database()).isEqualTo("d2");
        assertThat(s.connection().user()).isEqualTo("u2");
        assertThat(s.connection().sslMode()).isEqualTo("disable");
    }

    @Test
    void passwordInUrlIsRefusedWithoutEchoingIt() {
        for (String url : new String[] {"postgresql://u:hunter2@h/d", "jdbc:postgresql://h/d?password=hunter2"}) {
            assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("db-url", url)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("PGPASSWORD")
                    .hasMessageNotContaining("hunter2");
        }
    }

    @Test
    void passwordFileIsRead() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "from-file\n");
        Settings s = new SettingsLoader(Map.of("PGPASSWORD", "from-env")).load(null, Map.of("password-file", pw.toString()));
        assertThat(s.connection().password()).isEqualTo("from-file");
    }

    @Test
    void badValuesSayWhatToChange() {
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("slot", "Bad-Slot")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--slot 'Bad-Slot'");
        assertThatThrownBy(() -> new SettingsLoader(Map.of("PGPORT", "abc")).load(null, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PGPORT");
        assertThatThrownBy(() -> new SettingsLoader(Map.of("PGSSLMODE", "maybe")).load(null, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sslmode");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("max-batch-size", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--max-batch-size");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("schema", "queen")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--schema");
    }

    @Test
    void configFileRejectsUnknownKeysAndPasswords() throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "slott: x\n");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(yaml, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown option 'slott'");
        Files.writeString(yaml, "password: hunter2\n");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(yaml, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must not hold a password").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(dir.resolve("missing.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
    }

    @Test
    void consistencyKeysComeFromFileEnvironmentAndFlags() throws Exception {
        Settings defaults = new SettingsLoader(Map.of()).load(null, Map.of("slot", "lk_a"));
        assertThat(defaults.consistency().consistency()).isEqualTo(Consistency.EVENTUAL);
        assertThat(defaults.consistency().applicationName()).as("defaults to the slot").isEqualTo("lk_a");
        assertThat(defaults.consistency().dropQueueTrigger()).isFalse();
        assertThat(defaults.consistency().strictFailover()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(defaults.consistency().sinkCommit()).as("strict's own lookup commit: chosen by the server's fsync")
                .isEqualTo(ConsistencySettings.SinkCommit.AUTO);
        assertThat(new SettingsLoader(Map.of("LOOKUPKEEPER_STRICT_SINK_COMMIT", "sync")).load(null, Map.of()).consistency().sinkCommit())
                .isEqualTo(ConsistencySettings.SinkCommit.SYNC);

        Path file = dir.resolve("c.yaml");
        Files.writeString(file, "drop-queue-trigger: true\nstrict-failover: 20s\n");
        Settings s = new SettingsLoader(Map.of("LOOKUPKEEPER_CONSISTENCY", "strict")).load(file, Map.of("application-name", "lk_walsender"));
        assertThat(s.consistency().strict()).isTrue();
        assertThat(s.consistency().applicationName()).isEqualTo("lk_walsender");
        assertThat(s.consistency().dropQueueTrigger()).isTrue();
        assertThat(s.consistency().strictFailover()).isEqualTo(java.time.Duration.ofSeconds(20));

        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("consistency", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--consistency must be eventual or strict");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("drop-queue-trigger", "yes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--drop-queue-trigger must be true or false");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("strict-failover", "100ms")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--strict-failover");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("strict-sink-commit", "later")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--strict-sink-commit must be auto, async or sync, not 'later'");
        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(null, Map.of("application-name", "Bad Name")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--application-name");
    }

    /** A primary and its standbys, as libpq and pgjdbc take them: the one that is primary now is found on every connect. */
    @Test
    void severalServersFromTheEnvironmentOrTheUrl() {
        ConnectionSettings env = new SettingsLoader(Map.of("PGHOST", "a,b", "PGPORT", "5432,5433", "PGDATABASE", "q", "PGUSER", "u"))
                .connection(null, null);
        assertThat(env.jdbcUrl()).isEqualTo("jdbc:postgresql://a:5432,b:5433/q?sslmode=prefer&targetServerType=primary");
        assertThat(env.libpqEnvironment()).containsEntry("PGHOST", "a,b").containsEntry("PGPORT", "5432,5433");
        ConnectionSettings onePort = new SettingsLoader(Map.of("PGHOST", "a,b", "PGPORT", "6000", "PGDATABASE", "q", "PGUSER", "u"))
                .connection(null, null);
        assertThat(onePort.jdbcUrl()).isEqualTo("jdbc:postgresql://a:6000,b:6000/q?sslmode=prefer&targetServerType=primary");

        SettingsLoader loader = new SettingsLoader(Map.of());
        assertThat(loader.connection("postgresql://app@db1:5432,db2:5433/queen?target_session_attrs=read-write", null).jdbcUrl())
                .isEqualTo("jdbc:postgresql://db1:5432,db2:5433/queen?sslmode=prefer&targetServerType=primary");
        ConnectionSettings jdbc = loader.connection("jdbc:postgresql://db1:5432,db2:5433/queen?user=app&targetServerType=preferSecondary", null);
        assertThat(jdbc.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5432,db2:5433/queen?sslmode=prefer&targetServerType=preferSecondary");
        assertThat(jdbc.user()).isEqualTo("app");
        ConnectionSettings noPath = new SettingsLoader(Map.of("PGDATABASE", "queen")).connection("postgresql://db1,db2?sslmode=require", null);
        assertThat(noPath.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5432,db2:5432/queen?sslmode=require&targetServerType=primary");
        assertThat(loader.connection("postgresql://app@db1:5432/queen", null).jdbcUrl())
                .as("one server: pgjdbc's default").isEqualTo("jdbc:postgresql://db1:5432/queen?sslmode=prefer");

        assertThatThrownBy(() -> new SettingsLoader(Map.of("PGHOST", "a,b,c", "PGPORT", "1,2", "PGUSER", "u")).connection(null, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("3 hosts");
        assertThatThrownBy(() -> loader.connection("postgresql://db1,db2/q?target_session_attrs=whatever", null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("target_session_attrs");
    }

    /** PGHOST naming a directory, as libpq reads it: the server's Unix-domain socket in it, no TLS there. */
    @Test
    void aSocketDirectoryMeansTheUnixSocketInIt() {
        ConnectionSettings c = new SettingsLoader(Map.of("PGHOST", "/var/run/postgresql", "PGPORT", "5433", "PGDATABASE", "q", "PGUSER", "u",
                "PGSSLMODE", "require")).connection(null, null);
        assertThat(c.unixSocket()).isTrue();
        assertThat(c.socketPath()).isEqualTo("/var/run/postgresql/.s.PGSQL.5433");
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5433/q?sslmode=disable");
        assertThat(c.describe()).isEqualTo("/var/run/postgresql/.s.PGSQL.5433/q as u");
        assertThat(c.libpqEnvironment()).containsEntry("PGHOST", "/var/run/postgresql").containsEntry("PGPORT", "5433");
        java.util.Properties p = dev.lookupkeeper.pg.Database.driverProperties(c, "test");
        assertThat(p.getProperty("socketFactory")).isEqualTo("org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
        assertThat(p.getProperty("socketFactoryArg")).isEqualTo("/var/run/postgresql/.s.PGSQL.5433");
        assertThat(new SettingsLoader(Map.of("PGHOST", "db1")).connection(null, null).unixSocket()).isFalse();
        assertThatThrownBy(() -> new SettingsLoader(Map.of("PGHOST", "/var/run/postgresql,db2")).connection(null, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Unix socket directory: name it alone");
        assertThatThrownBy(() -> new SettingsLoader(Map.of("PGHOST", "db1,/var/run/postgresql")).connection(null, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'/var/run/postgresql' is a Unix socket directory: name it alone");
    }
}
