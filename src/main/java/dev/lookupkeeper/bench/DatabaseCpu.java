package dev.lookupkeeper.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CPU the whole PostgreSQL server spent (postmaster, every backend and walsender, background
 * workers), from /proc: the postmaster's own and reaped children's time plus every live child's.
 * A backend that exits between two readings is counted through the postmaster's reaped time.
 * {@link #byRole} splits the same total by whose work it was.
 */
final class DatabaseCpu {
    /** Whose work a server process does, from pg_stat_activity. */
    enum Role {
        /** The benchmark's pushing sessions ({@code lookupkeeper-pushload}, {@code bench-push}): the push, the trigger's upsert inside it, a strict commit's wait. */
        PUSHES,
        /** The contended suite's popping sessions ({@code bench-pop}): the selection, the lease, the ack. */
        POPS,
        /** Walsenders: decoding the WAL and sending it, reading the client's status updates, releasing synchronous commits. */
        WALSENDER,
        /** The sidecar's own sessions (lookup upserts, position notes, its guard and control connections). */
        SIDECAR,
        /** Everything else: background processes, the postmaster, the benchmark's own session, processes gone since the roles were read. */
        REST
    }

    private static final long TICK_NANOS = 10_000_000L;
    private final long postmaster;

    private DatabaseCpu(long postmaster) {
        this.postmaster = postmaster;
    }

    /** The server the connection talks to, which must run on this machine. */
    static DatabaseCpu of(Connection c) throws SQLException {
        long backend;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            backend = rs.getLong(1);
        }
        long[] stat = stat(backend);
        // a server in a container reports its own namespace's pid, which here may be any process (a kernel thread)
        if (stat == null || !isPostgres(backend) || !isPostgres(stat[0])) {
            throw new IllegalStateException("PostgreSQL's processes are not readable in /proc (pid " + backend
                    + " here is not the server's backend): the benchmark needs a server on this machine, outside a container");
        }
        return new DatabaseCpu(stat[0]);
    }

    /** CPU nanoseconds so far (clock ticks of 10 ms). */
    long nanos() {
        return total(byRole(Map.of()));
    }

    /** The sum over every role. */
    static long total(Map<Role, Long> nanos) {
        return nanos.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * The server's processes by role, as pg_stat_activity names them now: read once while the
     * sessions to tell apart are connected, then passed to {@link #byRole(Map)} at each reading.
     */
    static Map<Long, Role> roles(Connection c) throws SQLException {
        Map<Long, Role> roles = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pid, backend_type, coalesce(application_name, '') FROM pg_stat_activity")) {
            while (rs.next()) {
                String app = rs.getString(3);
                Role role = "walsender".equals(rs.getString(2)) ? Role.WALSENDER
                        : app.equals("lookupkeeper-pushload") || app.equals("bench-push") ? Role.PUSHES
                        : app.equals("bench-pop") ? Role.POPS
                        : app.startsWith("lookupkeeper") && !app.startsWith("lookupkeeper-bench") ? Role.SIDECAR
                        : Role.REST;
                roles.put(rs.getLong(1), role);
            }
        }
        return roles;
    }

    /**
     * CPU nanoseconds so far by role (clock ticks of 10 ms); a process the roles do not name is
     * {@link Role#REST}. A named session that exits between two readings moves its whole lifetime's
     * CPU to the rest (the postmaster's reaped time), so compare readings taken while the named
     * sessions stay connected.
     */
    EnumMap<Role, Long> byRole(Map<Long, Role> roles) {
        EnumMap<Role, Long> ticks = new EnumMap<>(Role.class);
        for (Role r : Role.values()) {
            ticks.put(r, 0L);
        }
        long[] own = stat(postmaster);
        ticks.merge(Role.REST, own == null ? 0 : own[1] + own[2] + own[3] + own[4], Long::sum);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    long pid = Long.parseLong(name);
                    long[] s = stat(pid);
                    if (s != null && s[0] == postmaster) {
                        ticks.merge(roles.getOrDefault(pid, Role.REST), s[1] + s[2], Long::sum);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("reading /proc: " + e.getMessage(), e);
        }
        ticks.replaceAll((r, t) -> t * TICK_NANOS);
        return ticks;
    }

    /** The role's column name in the suites' tables. */
    static String label(Role role) {
        return switch (role) {
            case PUSHES -> "pushing sessions";
            case POPS -> "popping sessions";
            case WALSENDER -> "walsender";
            case SIDECAR -> "the sidecar's sessions";
            case REST -> "rest of the server";
        };
    }

    /** What the server spent between two readings, by role. */
    static EnumMap<Role, Long> spent(EnumMap<Role, Long> before, EnumMap<Role, Long> after) {
        EnumMap<Role, Long> spent = new EnumMap<>(Role.class);
        after.forEach((role, nanos) -> spent.put(role, nanos - before.get(role)));
        return spent;
    }

    private static boolean isPostgres(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("postgres");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** {parent pid, utime, stime, cutime, cstime}, or null when the process is gone. */
    private static long[] stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
