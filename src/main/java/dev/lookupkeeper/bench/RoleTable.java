package dev.lookupkeeper.bench;

import dev.lookupkeeper.bench.DatabaseCpu.Role;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;

/**
 * A Markdown table of PostgreSQL's CPU per push by role ({@link DatabaseCpu#byRole}), one row per
 * suite cell and mode; a role that no row spent anything on gets no column. The total is over
 * every role, so it stays the server's whole CPU even where a role's figure is negative (a named
 * session that exited moves its CPU to the rest of the server).
 */
final class RoleTable {
    private record Row(String label, EnumMap<Role, Long> nanos, long pushes) {}

    private final String header;
    private final List<Row> rows = new ArrayList<>();

    /** @param header the leading columns' names, "|"-separated, e.g. {@code "rows per push | mode"} */
    RoleTable(String header) {
        this.header = header;
    }

    /** A row: the readings' CPU summed over rounds, per push summed over the same rounds. */
    void row(String label, List<EnumMap<Role, Long>> rounds, long pushes) {
        EnumMap<Role, Long> sum = new EnumMap<>(Role.class);
        for (EnumMap<Role, Long> round : rounds) {
            round.forEach((role, nanos) -> sum.merge(role, nanos, Long::sum));
        }
        rows.add(new Row(label, sum, pushes));
    }

    void print(PrintStream out) {
        List<Role> shown = new ArrayList<>();
        for (Role role : Role.values()) {
            if (rows.stream().anyMatch(r -> r.nanos().getOrDefault(role, 0L) != 0)) {
                shown.add(role);
            }
        }
        StringBuilder head = new StringBuilder("| " + header + " |");
        StringBuilder rule = new StringBuilder("|" + "---|".repeat(header.split("\\|").length));
        for (Role role : shown) {
            head.append(' ').append(DatabaseCpu.label(role)).append(" |");
            rule.append("---|");
        }
        out.println(head.append(" total |"));
        out.println(rule.append("---|"));
        for (Row r : rows) {
            StringBuilder line = new StringBuilder("| " + r.label() + " |");
            for (Role role : shown) {
                line.append(' ').append(perPush(r.nanos().getOrDefault(role, 0L), r.pushes())).append(" |");
            }
            out.println(line.append(' ').append(perPush(DatabaseCpu.total(r.nanos()), r.pushes())).append(" |"));
        }
    }

    /** µs per push with one decimal, or a dash when nothing was pushed. */
    private static String perPush(long nanos, long pushes) {
        return pushes <= 0 ? "—" : String.format(Locale.ROOT, "%.1f", nanos / 1000.0 / pushes);
    }
}
