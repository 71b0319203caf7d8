package dev.lookupkeeper.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * PostgreSQL's own logical replication client, {@code pg_recvlogical}, as a yardstick: on a
 * pgoutput slot of its own and the sidecar's publication, it writes what it receives to /dev/null
 * and reports its position only every 10 s. What its walsender spends per event is what serving
 * that load costs the server with a client that does no work at all.
 */
final class RecvLogical {
    static final String WHERE = "no pg_recvlogical in --postgres-bin's directory, /usr/lib/postgresql/*/bin or PATH";

    private RecvLogical() {}

    /** The client: next to `--postgres-bin`'s server, else a Debian installation, else on PATH; null when none is. */
    static Path find() throws java.io.IOException {
        Path bin = BenchServers.localBin();
        if (bin != null && Files.isExecutable(bin.resolve("pg_recvlogical"))) {
            return bin.resolve("pg_recvlogical");
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (var versions = Files.list(debian)) {
                Path newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/pg_recvlogical")))
                        .max(java.util.Comparator.comparingDouble(RecvLogical::version)).map(v -> v.resolve("bin/pg_recvlogical")).orElse(null);
                if (newest != null) {
                    return newest;
                }
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "pg_recvlogical"))) {
                return Path.of(dir, "pg_recvlogical");
            }
        }
        return null;
    }

    /** A Debian installation's directory name as a number (9.6 below 17); -1 when it is not one. */
    private static double version(Path dir) {
        try {
            return Double.parseDouble(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void createSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /** The command line: the database named (it insists), the rest from the libpq variables of its environment. */
    static List<String> command(Path client, String database, String slot, String publication) {
        return List.of(client.toString(), "--dbname", database, "--slot", slot, "--start", "--no-loop", "--file", "/dev/null",
                "--status-interval", "10", "--fsync-interval", "10",
                "--option", "proto_version=1", "--option", "publication_names=" + publication);
    }

    /** Drops an idle slot of that name and creates it anew for pgoutput. */
    static void freshSlot(Connection c, String slot) throws SQLException {
        dev.lookupkeeper.pg.Slots.dropIfInactive(c, slot);
        createSlot(c, slot);
    }

    /**
     * The client's process on the slot: its connection from the libpq variables of its environment,
     * the password too (never on its command line).
     *
     * @param cpus pin it to these CPUs (taskset), or null
     */
    static ProcessBuilder process(Path client, dev.lookupkeeper.config.ConnectionSettings conn, String slot, String publication, String cpus) {
        List<String> cmd = new java.util.ArrayList<>();
        if (cpus != null) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.addAll(command(client, conn.database(), slot, publication));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(conn.libpqEnvironment());
        if (conn.password() != null) {
            pb.environment().put("PGPASSWORD", conn.password());
        }
        return pb;
    }

    /** A fresh slot and the client streaming from it, its output discarded. */
    static Process start(Connection c, Path client, dev.lookupkeeper.config.ConnectionSettings conn, String slot, String publication,
                         String cpus) throws Exception {
        freshSlot(c, slot);
        return process(client, conn, slot, publication, cpus).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Waits until the client streams from the slot (60 s at most). */
    static void awaitStreaming(Connection c, String slot, Process client) throws Exception {
        SlotHolder.awaitStreaming(c, slot, client, "pg_recvlogical", Duration.ofSeconds(60));
    }

    /** SIGTERM, then SIGKILL if it has not exited within 15 s (any child process of the suites). */
    static void stop(Process client) throws InterruptedException {
        client.destroy();
        if (!client.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            client.destroyForcibly();
        }
    }
}
