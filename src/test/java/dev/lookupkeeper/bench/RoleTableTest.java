package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.bench.DatabaseCpu.Role;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoleTableTest {
    private static EnumMap<Role, Long> nanos(long pushes, long walsender, long sidecar) {
        EnumMap<Role, Long> m = new EnumMap<>(Role.class);
        for (Role r : Role.values()) {
            m.put(r, 0L);
        }
        m.put(Role.PUSHES, pushes);
        m.put(Role.WALSENDER, walsender);
        m.put(Role.SIDECAR, sidecar);
        return m;
    }

    private static List<String> printed(RoleTable table) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void rowsSumTheirRoundsPerPushAndRolesNobodySpentOnGetNoColumn() {
        RoleTable table = new RoleTable("rows | mode");
        table.row("1 | trigger", List.of(nanos(200_000, 0, 0), nanos(400_000, 0, 0)), 4);
        table.row("1 | strict", List.of(nanos(300_000, 100_000, 150_000)), 2);

        assertThat(printed(table)).containsExactly(
                "| rows | mode | pushing sessions | walsender | the sidecar's sessions | total |",
                "|---|---|---|---|---|---|",
                "| 1 | trigger | 150.0 | 0.0 | 0.0 | 150.0 |",
                "| 1 | strict | 150.0 | 50.0 | 75.0 | 275.0 |");
    }

    @Test
    void aRoleGoneNegativeKeepsItsColumnTheTotalStaysTheWholeServerAndNoPushesPrintsADash() {
        EnumMap<Role, Long> exited = nanos(0, 0, -100_000); // the sidecar's session exited: its CPU moved to the rest
        exited.put(Role.REST, 400_000L);
        RoleTable table = new RoleTable("mode");
        table.row("strict", List.of(exited), 1);
        table.row("idle", List.of(nanos(0, 0, 0)), 0);

        assertThat(printed(table)).containsExactly(
                "| mode | the sidecar's sessions | rest of the server | total |",
                "|---|---|---|---|",
                "| strict | -100.0 | 400.0 | 300.0 |",
                "| idle | — | — | — |");
    }
}
