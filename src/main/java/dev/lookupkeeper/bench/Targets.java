package dev.lookupkeeper.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 16's performance targets held against the figures a suite has just measured, printed after
 * its tables: each target, this run's figure, and whether it is met. A target whose conditions the
 * run did not cover (another cell, a mode skipped) is not listed.
 */
final class Targets {
    private final List<String> rows = new ArrayList<>();

    /** The figure must be at least {@code bound}; {@code format} renders both. */
    void atLeast(String target, double figure, double bound, String format) {
        add(target, figure, format, figure >= bound);
    }

    /** The figure must be at most {@code bound}. */
    void atMost(String target, double figure, double bound, String format) {
        add(target, figure, format, figure <= bound);
    }

    private void add(String target, double figure, String format, boolean met) {
        rows.add(String.format(Locale.ROOT, "| %s | " + format + " | %s |", target, figure, met ? "met" : "**not met**"));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table as Markdown lines (empty when no target applied). */
    List<String> lines() {
        if (rows.isEmpty()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        lines.add("Against issue 16's targets (this run's figures; docs/benchmarks.md records them and the reasons):");
        lines.add("");
        lines.add("| target | this run | |");
        lines.add("|---|---|---|");
        lines.addAll(rows);
        return lines;
    }

    void print(PrintStream out) {
        if (!rows.isEmpty()) {
            out.println();
            lines().forEach(out::println);
        }
    }
}
