package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * initdb + pg_ctl from local binaries (PG_BIN, or the newest /usr/lib/postgresql/N/bin), on a free
 * random port, password authentication. PostgreSQL refuses to run as root, so as root the
 * binaries run as the `postgres` user through runuser.
 */
final class LocalBinariesCluster implements PgCluster {
    static final String PASSWORD = "pw-" + Long.toHexString(Double.doubleToLongBits(Math.random()));

    private final Path bin;
    private final Path dataDir;
    private final int port;
    private final boolean asPostgresUser;

    private LocalBinariesCluster(Path bin, Path dataDir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    static Optional<Path> findBinaries() {
        String env = System.getenv("PG_BIN");
        if (env != null && Files.isExecutable(Path.of(env, "initdb"))) {
            return Optional.of(Path.of(env));
        }
        File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (versions == null) {
            return Optional.empty();
        }
        return Arrays.stream(versions)
                .map(f -> f.toPath().resolve("bin"))
                .filter(p -> Files.isExecutable(p.resolve("initdb")) && Files.isExecutable(p.resolve("pg_ctl")))
                .max(Comparator.comparingInt(p -> versionOf(p.getParent().getFileName().toString())));
    }

    private static int versionOf(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static LocalBinariesCluster start(Path bin, Map<String, String> settings) throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("lookupkeeper-pg-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        if (root) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false, 30);
        }
        int port = freePort();
        LocalBinariesCluster c = new LocalBinariesCluster(bin, data, port, root);
        c.exec(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=scram-sha-256",
                "--pwfile=" + pwfile, "-E", "UTF8", "--no-sync"), 120);
        List<String> conf = new ArrayList<>();
        conf.add("port = " + port);
        conf.add("listen_addresses = '127.0.0.1'");
        conf.add("unix_socket_directories = '" + dir + "'");
        settings.forEach((k, v) -> conf.add(k + " = '" + v + "'"));
        Files.write(data.resolve("postgresql.auto.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
        c.exec(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "start"), 90);
        Runtime.getRuntime().addShutdownHook(new Thread(c::close));
        return c;
    }

    /**
     * A physical standby of this cluster (pg_basebackup -R, streaming), started on its own port in a
     * directory of its own; the caller closes it.
     */
    LocalBinariesCluster standby() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("lookupkeeper-standby-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        if (asPostgresUser) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false, 30);
        }
        Path data = dir.resolve("data");
        int standbyPort = freePort();
        LocalBinariesCluster s = new LocalBinariesCluster(bin, data, standbyPort, asPostgresUser);
        List<String> cmd = new ArrayList<>();
        if (asPostgresUser) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of("env", "PGPASSWORD=" + PASSWORD, bin.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-U", "postgres", "-D", data.toString(), "-R", "-X", "stream", "--no-sync"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("pg_basebackup failed:\n" + output);
        }
        Files.write(data.resolve("postgresql.auto.conf"), List.of("port = " + standbyPort, "unix_socket_directories = '" + dir + "'",
                "hot_standby = on"), java.nio.file.StandardOpenOption.APPEND);
        s.exec(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60",
                "start"), 90);
        Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        return s;
    }

    /** Promotes a standby to a primary (returns once it accepts writes). */
    void promote() throws IOException, InterruptedException {
        exec(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-t", "60", "promote"), 90);
    }

    private void exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        run(cmd, asPostgresUser, timeoutSeconds);
    }

    private static void run(List<String> cmd, boolean asPostgres, int timeoutSeconds) throws IOException, InterruptedException {
        dev.lookupkeeper.pg.ServerCommands.run(cmd, asPostgres, timeoutSeconds);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public ConnectionSettings admin() {
        return new ConnectionSettings("127.0.0.1", port, "postgres", "postgres", PASSWORD, "disable");
    }

    @Override
    public boolean canRestart() {
        return true;
    }

    @Override
    public void restart(boolean immediate) {
        try {
            exec(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-l", dataDir.resolveSibling("server.log").toString(),
                    "-m", immediate ? "immediate" : "fast", "-w", "-t", "60", "restart"), 90);
        } catch (IOException e) {
            throw new IllegalStateException("pg_ctl restart failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String kind() {
        return "local binaries " + bin;
    }

    /**
     * Stops the server and deletes its directory (the soak's clusters grow to gigabytes: left behind,
     * a few runs fill the disk, and PostgreSQL then fails its writes). Closing twice is harmless.
     */
    @Override
    public void close() {
        try {
            exec(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop"), 60);
        } catch (IOException | InterruptedException e) {
            // already stopped
        }
        Path dir = dataDir.getParent();
        // never under a server that is still running (a stop that timed out): its pid file says so
        if (dir != null && Files.isDirectory(dir) && dir.getFileName().toString().startsWith("lookupkeeper-")
                && !Files.exists(dataDir.resolve("postmaster.pid"))) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | RuntimeException e) {
                // best effort: a leftover directory in the temporary directory is all it costs
            }
        }
    }
}
