package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.PgDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
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
             Connection sink = Database.connect(db.connection(), "lookupkeeper-sink")) {
            DatabaseCpu cpu;
            try {
                cpu = DatabaseCpu.of(bench);
            } catch (IllegalStateException e) {
                assumeTrue(false, "the test server's processes are not in this machine's /proc: " + e.getMessage());
                return;
            }
            Map<Long, DatabaseCpu.Role> roles = DatabaseCpu.roles(bench);
            assertThat(roles.get(pid(pushes))).isEqualTo(DatabaseCpu.Role.PUSHES);
            assertThat(roles.get(pid(sink))).isEqualTo(DatabaseCpu.Role.SIDECAR);
            assertThat(roles.get(pid(bench))).as("the benchmark's own session").isEqualTo(DatabaseCpu.Role.REST);

            EnumMap<DatabaseCpu.Role, Long> before = cpu.byRole(roles);
            try (Statement st = pushes.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM generate_series(1, 30000000)")) {
                rs.next();
            }
            EnumMap<DatabaseCpu.Role, Long> after = cpu.byRole(roles);
            long pushed = after.get(DatabaseCpu.Role.PUSHES) - before.get(DatabaseCpu.Role.PUSHES);
            long sidecar = after.get(DatabaseCpu.Role.SIDECAR) - before.get(DatabaseCpu.Role.SIDECAR);
            assertThat(pushed).as("CPU of the pushing session (ns)").isGreaterThanOrEqualTo(500_000_000L);
            assertThat(sidecar).as("CPU of the idle sidecar session (ns)").isLessThan(pushed / 10);
            long total = after.values().stream().mapToLong(Long::longValue).sum() - before.values().stream().mapToLong(Long::longValue).sum();
            assertThat(pushed).as("the pushes' share of the server's CPU").isGreaterThan(total / 2);
        }
    }

    private static long pid(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
