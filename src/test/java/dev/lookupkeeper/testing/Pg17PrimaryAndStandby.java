package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL 17 (zonky's bundle: initdb, pg_ctl and postgres only) as a primary and a physical
 * standby that synchronizes logical slots: the standby is a copy of the primary's data directory
 * taken between pg_backup_start and pg_backup_stop, streaming through a physical slot, with
 * {@code sync_replication_slots = on}; the primary names that slot in
 * {@code synchronized_standby_slots}, so no logical change reaches a client before the standby has
 * it.
 */
public final class Pg17PrimaryAndStandby implements AutoCloseable {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private final EmbeddedPostgres primary;
    private final Path standbyData;
    private final Path pgCtl;
    private final int standbyPort;
    private boolean primaryStopped;

    private Pg17PrimaryAndStandby(EmbeddedPostgres primary, Path standbyData, Path pgCtl, int standbyPort) {
        this.primary = primary;
        this.standbyData = standbyData;
        this.pgCtl = pgCtl;
        this.standbyPort = standbyPort;
    }

    public static Pg17PrimaryAndStandby start() throws Exception {
        EmbeddedPostgres primary = EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "20")
                .setServerConfig("max_wal_senders", "20")
                .setServerConfig("hot_standby", "on")
                .setServerConfig("fsync", "off")
                .start();
        Path bin;
        int standbyPort = freePort();
        Path standby = Files.createTempDirectory("lookupkeeper-pg17-standby-");
        List<String> commandLine = new java.util.ArrayList<>();
        try (Connection c = connect(primary.getPort()); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_physical_replication_slot('lk_standby', true)");
            String dataDir;
            try (ResultSet rs = st.executeQuery("SHOW data_directory")) {
                rs.next();
                dataDir = rs.getString(1);
            }
            bin = binariesOf(Path.of(dataDir));
            st.execute("SELECT pg_backup_start('lookupkeeper-standby', true)");
            copy(Path.of(dataDir), standby);
            String label;
            try (ResultSet rs = st.executeQuery("SELECT labelfile FROM pg_backup_stop(true)")) {
                rs.next();
                label = rs.getString(1);
            }
            Files.writeString(standby.resolve("backup_label"), label);
            // zonky passes its settings on the command line: the standby needs the same (max_connections and others must not be lower)
            try (ResultSet rs = st.executeQuery("SELECT name, setting FROM pg_settings WHERE source = 'command line' AND name <> 'port'")) {
                while (rs.next()) {
                    commandLine.add(rs.getString(1) + " = '" + rs.getString(2).replace("'", "''") + "'");
                }
            }
            st.execute("ALTER SYSTEM SET synchronized_standby_slots = 'lk_standby'");
            st.execute("SELECT pg_reload_conf()");
        }
        Files.deleteIfExists(standby.resolve("postmaster.pid"));
        Files.deleteIfExists(standby.resolve("postmaster.opts"));
        try (var slots = Files.list(standby.resolve("pg_replslot"))) {
            for (Path p : slots.toList()) {
                deleteTree(p);
            }
        }
        Files.createFile(standby.resolve("standby.signal"));
        Files.write(standby.resolve("postgresql.auto.conf"), commandLine, java.nio.file.StandardOpenOption.APPEND);
        Files.write(standby.resolve("postgresql.auto.conf"), List.of(
                "port = " + standbyPort,
                "synchronized_standby_slots = ''",
                "primary_conninfo = 'host=localhost port=" + primary.getPort() + " user=postgres dbname=postgres'",
                "primary_slot_name = 'lk_standby'",
                "hot_standby_feedback = on",
                "sync_replication_slots = on"), java.nio.file.StandardOpenOption.APPEND);
        if (ROOT) {
            Files.setPosixFilePermissions(standby, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Process chown = new ProcessBuilder("chown", "-R", "postgres:postgres", standby.toString()).inheritIO().start();
            if (chown.waitFor() != 0) {
                throw new IOException("chown of the standby's data directory failed");
            }
        }
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", standby.toString(), "-l", standby.resolve("server.log").toString(),
                "-w", "-t", "60", "start"));
        return new Pg17PrimaryAndStandby(primary, standby, bin.resolve("pg_ctl"), standbyPort);
    }

    public ConnectionSettings primary() {
        return new ConnectionSettings("localhost", primary.getPort(), "postgres", "postgres", null, "disable");
    }

    public ConnectionSettings standby() {
        return new ConnectionSettings("localhost", standbyPort, "postgres", "postgres", null, "disable");
    }

    /** Both, the primary first: pgjdbc finds the one that is primary now. */
    public ConnectionSettings both() {
        return new ConnectionSettings("localhost", primary.getPort(), "postgres", "postgres", null, "disable",
                List.of("localhost:" + standbyPort), "primary");
    }

    public void promoteStandby() throws Exception {
        run(List.of(pgCtl.toString(), "-D", standbyData.toString(), "-w", "-t", "60", "promote"));
    }

    public void stopPrimary() throws IOException {
        if (!primaryStopped) {
            primaryStopped = true;
            primary.close();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            run(List.of(pgCtl.toString(), "-D", standbyData.toString(), "-m", "immediate", "-w", "stop"));
        } catch (IOException e) {
            // stopped already
        }
        deleteTree(standbyData);
        stopPrimary();
    }

    private static Connection connect(int port) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", p);
    }

    /**
     * The bin directory of the server running on {@code dataDir}: the first word of its
     * postmaster.opts (the postgres executable's path). Not the newest of zonky's extractions:
     * another version's (the tests' PostgreSQL 14) may be newer.
     */
    private static Path binariesOf(Path dataDir) throws IOException {
        String opts = Files.readString(dataDir.resolve("postmaster.opts")).trim();
        Path postgres = Path.of(opts.split("\\s+", 2)[0]);
        if (!Files.isExecutable(postgres)) {
            throw new IOException("no postgres executable at " + postgres + " (from " + dataDir.resolve("postmaster.opts") + ")");
        }
        return postgres.getParent();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path rel = from.relativize(p);
                if (rel.toString().startsWith("pg_wal/") || rel.toString().equals("postmaster.pid")) {
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to.resolve(rel));
                    }
                    continue; // the standby streams the WAL from the backup's start through its slot
                }
                Path target = to.resolve(rel);
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    try {
                        Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } catch (java.nio.file.NoSuchFileException e) {
                        // removed while copying: the WAL replay recreates what matters
                    }
                }
            }
        }
        Files.createDirectories(to.resolve("pg_wal/archive_status"));
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var paths = Files.walk(p)) {
            for (Path x : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    /** Runs a command; as root, as the postgres user (pg_ctl refuses root; zonky's own start does not go through it). */
    private static void run(List<String> cmd) throws IOException, InterruptedException {
        List<String> full = new java.util.ArrayList<>();
        if (ROOT) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("command failed: " + String.join(" ", cmd) + "\n" + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
