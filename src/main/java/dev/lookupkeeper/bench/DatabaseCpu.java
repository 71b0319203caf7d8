package dev.lookupkeeper.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

/**
 * The CPU the whole PostgreSQL server spent (postmaster, every backend and walsender, background
 * workers), from /proc: the postmaster's own and reaped children's time plus every live child's.
 * A backend that exits between two readings is counted through the postmaster's reaped time.
 */
final class DatabaseCpu {
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
        if (stat == null) {
            throw new IllegalStateException("PostgreSQL's processes are not readable in /proc: the benchmark needs a local server");
        }
        return new DatabaseCpu(stat[0]);
    }

    /** CPU nanoseconds so far (clock ticks of 10 ms). */
    long nanos() {
        long[] own = stat(postmaster);
        long ticks = own == null ? 0 : own[1] + own[2] + own[3] + own[4];
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    long[] s = stat(Long.parseLong(name));
                    if (s != null && s[0] == postmaster) {
                        ticks += s[1] + s[2];
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("reading /proc: " + e.getMessage(), e);
        }
        return ticks * 10_000_000L;
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
