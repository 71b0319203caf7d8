package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The latency suite's split of PostgreSQL's CPU by role, on a real server: sessions are named from
 * pg_stat_activity, and the CPU a pushing session burns is counted as the pushes', not the
 * sidecar's or the rest's.
 */
class DatabaseCpuIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase(false);

    @Test
    void cpuIsCountedForTheSessionThatSpentIt() throws Exception {
        try (Connection bench = Database.connect(db.connection(), "lookupkeeper-bench-test");
             Connection pushes = Database.connect(db.connection(), "lookupkeeper-pushload");
             Connection sink = Database.connect(db.connection(), "lookupkeeper-sink");
             Connection pop = Database.connect(db.connection(), "bench-pop");
             Connection push = Database.connect(db.connection(), "bench-push")) {
            DatabaseCpu cpu;
            try {
                cpu = DatabaseCpu.of(bench);
            } catch (IllegalStateException e) {
                abort("the test server's processes are not this machine's (" + db.cluster().kind() + "): " + e.getMessage());
                return;
            }
            long pushPid = pid(pushes);
            long sinkPid = pid(sink);
            long benchPid = pid(bench);
            Map<Long, DatabaseCpu.Role> roles = DatabaseCpu.roles(bench);
            assertThat(roles.get(pushPid)).isEqualTo(DatabaseCpu.Role.PUSHES);
            assertThat(roles.get(sinkPid)).isEqualTo(DatabaseCpu.Role.SIDECAR);
            assertThat(roles.get(benchPid)).as("the benchmark's own session").isEqualTo(DatabaseCpu.Role.REST);
            assertThat(roles.get(pid(pop))).as("the contended suite's popping session").isEqualTo(DatabaseCpu.Role.POPS);
            assertThat(roles.get(pid(push))).as("the contended suite's pushing session").isEqualTo(DatabaseCpu.Role.PUSHES);
            // the server is shared with other test classes: only this test's sessions keep their roles
            roles.keySet().retainAll(Set.of(pushPid, sinkPid, benchPid));

            EnumMap<DatabaseCpu.Role, Long> before = cpu.byRole(roles);
            long started = System.nanoTime();
            try (Statement st = pushes.createStatement();
                 // in the target list, not FROM: a function scan in FROM would first store every row
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT generate_series(1, 30000000)) AS s")) {
                rs.next();
            }
            long elapsed = System.nanoTime() - started;
            EnumMap<DatabaseCpu.Role, Long> after = cpu.byRole(roles);
            long pushed = after.get(DatabaseCpu.Role.PUSHES) - before.get(DatabaseCpu.Role.PUSHES);
            long sidecar = after.get(DatabaseCpu.Role.SIDECAR) - before.get(DatabaseCpu.Role.SIDECAR);
            long tick = 10_000_000L;
            assertThat(pushed).as("CPU of the pushing session (ns)").isGreaterThanOrEqualTo(500_000_000L)
                    .as("one session's CPU cannot exceed the time it ran (ns)").isLessThanOrEqualTo(elapsed + 2 * tick);
            assertThat(sidecar).as("CPU of the idle sidecar session (ns)").isLessThanOrEqualTo(2 * tick);
            long total = after.values().stream().mapToLong(Long::longValue).sum() - before.values().stream().mapToLong(Long::longValue).sum();
            assertThat(pushed).as("the pushes' share of the server's CPU").isGreaterThan(total / 2);
            assertThat(cpu.nanos()).as("the total is the sum of the roles").isGreaterThanOrEqualTo(
                    after.values().stream().mapToLong(Long::longValue).sum());
        }
    }

    private static long pid(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
