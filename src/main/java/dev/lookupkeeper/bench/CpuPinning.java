package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.pg.Slots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU affinity for the insert benchmark (Linux, taskset): PostgreSQL (postmaster and every child,
 * so new backends and walsenders inherit it) and this JVM on one CPU, the sidecar on another.
 */
final class CpuPinning {
    private CpuPinning() {}

    static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/taskset")) && Runtime.getRuntime().availableProcessors() >= 2;
    }

    static void pinPostgresAndSelf(Connection c, String cpus) throws Exception {
        long backend;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            backend = rs.getLong(1);
        }
        long postmaster = parentOf(backend);
        List<Long> pids = new ArrayList<>();
        pids.add(postmaster);
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    long pid = Long.parseLong(name);
                    if (parentOf(pid) == postmaster) {
                        pids.add(pid);
                    }
                }
            }
        }
        pids.add(ProcessHandle.current().pid());
        for (long pid : pids) {
            taskset(cpus, pid);
        }
    }

    /** Moves the walsender streaming the slot (the server process that decodes) to the given CPUs. */
    static void pinSlotHolder(Connection c, String slot, String cpus) throws Exception {
        Integer pid = Slots.activePid(c, slot);
        if (pid != null) {
            taskset(cpus, pid);
        }
    }

    static Process startSidecar(ConnectionSettings conn, List<String> jvmOptions, String cpus, String... runArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus, Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lookupkeeper.cli.Main", "run"));
        cmd.addAll(List.of(runArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(conn.libpqEnvironment());
        return pb.start();
    }

    /** CPU time of this JVM so far. */
    static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** User plus system CPU of a process from /proc (clock ticks of 10 ms), 0 when unreadable. */
    static long cpuNanos(long pid) {
        if (pid <= 0) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static void taskset(String cpus, long pid) throws Exception {
        Process p = new ProcessBuilder("taskset", "-a", "-c", "-p", cpus, Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
    }

    private static long parentOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String afterName = stat.substring(stat.lastIndexOf(')') + 2);
            return Long.parseLong(afterName.split(" ")[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
