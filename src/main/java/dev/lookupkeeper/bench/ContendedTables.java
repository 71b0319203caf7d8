package dev.lookupkeeper.bench;

import dev.lookupkeeper.bench.ContendedBenchmark.Cell;
import dev.lookupkeeper.bench.ContendedBenchmark.Measured;
import dev.lookupkeeper.bench.ContendedBenchmark.Mode;
import java.io.PrintStream;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The contended suite's Markdown tables: rates and ratios per cell, every mode's detail, PostgreSQL's CPU by role. */
final class ContendedTables {
    private ContendedTables() {}

    static void print(PrintStream out, Map<Cell, EnumMap<Mode, List<Measured>>> results) {
        boolean alone = results.values().stream().anyMatch(m -> m.containsKey(Mode.WALSENDER_ALONE));
        boolean localPops = results.values().stream().anyMatch(m -> m.containsKey(Mode.STRICT_LOCAL_POPS));
        out.println();
        out.println("| clients | partitions | partitions per push | round trip | pops | none (pushes/s) | trigger (ratio to none)"
                + " | CDC eventual | CDC strict | eventual ÷ trigger | strict ÷ trigger | eventual, its backlog applied"
                + " (÷ trigger) | strict, its backlog applied (÷ trigger) |"
                + (alone ? " walsender alone (pg_recvlogical), its backlog sent (÷ trigger) |" : "")
                + (localPops ? " strict, pops at local (÷ trigger) |" : ""));
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|" + (alone ? "---|" : "") + (localPops ? "---|" : ""));
        for (Map.Entry<Cell, EnumMap<Mode, List<Measured>>> e : results.entrySet()) {
            double none = rate(e.getValue().get(Mode.NONE));
            double trig = rate(e.getValue().get(Mode.TRIGGER));
            double cdc = rate(e.getValue().get(Mode.CDC));
            double strict = rate(e.getValue().get(Mode.STRICT));
            double cdcPaid = paidRate(e.getValue().get(Mode.CDC));
            double strictPaid = paidRate(e.getValue().get(Mode.STRICT));
            String floor = "";
            if (alone) {
                double alonePaid = paidRate(e.getValue().get(Mode.WALSENDER_ALONE));
                floor = String.format(" %,.0f (%.2f) |", alonePaid, alonePaid / trig);
            }
            if (localPops) {
                List<Measured> local = e.getValue().get(Mode.STRICT_LOCAL_POPS);
                floor += local == null ? " — |" : String.format(" %,.0f (%.2f) |", paidRate(local), paidRate(local) / trig);
            }
            out.printf("| %s | %,.0f | %,.0f (%.2f) | %,.0f (%.2f) | %,.0f (%.2f) | **%.2f** | **%.2f** | %,.0f (**%.2f**) | %,.0f (**%.2f**) |%s%n",
                    e.getKey().label(), none, trig, trig / none, cdc, cdc / none, strict, strict / none, cdc / trig, strict / trig,
                    cdcPaid, cdcPaid / trig, strictPaid, strictPaid / trig, floor);
        }
        out.println();
        out.println("| clients | partitions | partitions per push | round trip | pops | mode | p50 / p99 (ms) | pops/s"
                + " | messages popped/s (of pushed) | Lock/tuple waiting (mean sessions) | Lock/transactionid | of them on the lookup | deadlocks"
                + " | PostgreSQL CPU per push | lookup lag p50 / p99 (ms) | owed after the window (s per round) |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Map.Entry<Cell, EnumMap<Mode, List<Measured>>> e : results.entrySet()) {
            for (Map.Entry<Mode, List<Measured>> byMode : e.getValue().entrySet()) {
                Mode mode = byMode.getKey();
                List<Measured> ms = byMode.getValue();
                double samples = ms.stream().mapToInt(m -> m.window().samples()).sum();
                double pushes = ms.stream().mapToLong(m -> m.window().pushes()).sum();
                double secs = ms.stream().mapToDouble(m -> m.window().seconds()).sum();
                long lagP50 = ms.stream().mapToLong(Measured::lagP50Ms).max().orElse(-1);
                long lagP99 = ms.stream().mapToLong(Measured::lagP99Ms).max().orElse(-1);
                double popped = ms.stream().mapToLong(m -> m.window().popped()).sum();
                out.printf("| %s | %s | %.2f / %.2f | %,.0f | %,.0f (%.2f) | %.1f | %.1f | %.1f | %d | %.0f µs | %s | %.2f |%n", e.getKey().label(),
                        label(mode), median(ms, true) / 1e6, median(ms, false) / 1e6, ms.stream().mapToLong(m -> m.window().pops()).sum() / secs,
                        popped / secs, popped / Math.max(1, pushes * ContendedLoad.ROWS),
                        ms.stream().mapToLong(m -> m.window().tupleWaits()).sum() / Math.max(1, samples),
                        ms.stream().mapToLong(m -> m.window().transactionWaits()).sum() / Math.max(1, samples),
                        ms.stream().mapToLong(m -> m.window().lookupWaits()).sum() / Math.max(1, samples),
                        ms.stream().mapToLong(m -> m.window().deadlocks()).sum(),
                        ms.stream().mapToLong(Measured::cpuNanos).sum() / 1000.0 / Math.max(1, pushes),
                        lagP50 < 0 ? "—" : lagP50 + " / " + lagP99, ms.stream().mapToDouble(Measured::owedSeconds).average().orElse(0));
            }
        }
        printRoles(out, results);
        targets(results).print(out);
    }

    /**
     * The contended targets, for each cell of their shape (100 partitions, at least 100 clients,
     * 5-partition pushes, a 0.5 ms round trip): CDC eventual ≥ 2.0× the trigger's pushes/s and strict
     * ≥ 1.5×, each counted with the time its backlog took to apply after the window (what the rate
     * costs in the end); and no session waiting on a lookup row's lock in either CDC mode.
     */
    static Targets targets(Map<Cell, EnumMap<Mode, List<Measured>>> results) {
        Targets targets = new Targets();
        for (Map.Entry<Cell, EnumMap<Mode, List<Measured>>> e : results.entrySet()) {
            Cell cell = e.getKey();
            EnumMap<Mode, List<Measured>> byMode = e.getValue();
            if (cell.partitions() != 100 || cell.clients() < 100 || cell.spread() != 5 || cell.roundTripMs() != 0.5
                    || !byMode.containsKey(Mode.TRIGGER)) {
                continue;
            }
            String shape = String.format(Locale.ROOT, " (%d clients%s)", cell.clients(), cell.pops() ? ", with pops" : "");
            double trig = rate(byMode.get(Mode.TRIGGER));
            if (byMode.containsKey(Mode.CDC)) {
                targets.atLeast("contended: CDC eventual ≥ 2.0× the trigger, its backlog applied" + shape, paidRate(byMode.get(Mode.CDC)) / trig,
                        2.0, "%.2f×");
            }
            if (byMode.containsKey(Mode.STRICT)) {
                targets.atLeast("contended: CDC strict ≥ 1.5× the trigger, its backlog applied" + shape, paidRate(byMode.get(Mode.STRICT)) / trig,
                        1.5, "%.2f×");
            }
            for (Mode mode : List.of(Mode.CDC, Mode.STRICT, Mode.STRICT_LOCAL_POPS)) {
                if (byMode.containsKey(mode)) {
                    targets.atMost("contended: sessions waiting on a lookup row's lock (Lock/tuple, Lock/transactionid), "
                            + label(mode) + shape, byMode.get(mode).stream().mapToLong(m -> m.window().lookupWaits()).sum(), 0,
                            "%.0f in all samples");
                }
            }
        }
        return targets;
    }

    private static void printRoles(PrintStream out, Map<Cell, EnumMap<Mode, List<Measured>>> results) {
        out.println();
        out.println("PostgreSQL's CPU per push within the window, by role (µs; the catch-up after the window not included; processes"
                + " named from pg_stat_activity once the clients and the sidecar are connected):");
        out.println();
        RoleTable table = new RoleTable("clients | partitions | partitions per push | round trip | pops | mode");
        for (Map.Entry<Cell, EnumMap<Mode, List<Measured>>> e : results.entrySet()) {
            for (Map.Entry<Mode, List<Measured>> byMode : e.getValue().entrySet()) {
                List<Measured> ms = byMode.getValue();
                table.row(e.getKey().label() + " | " + label(byMode.getKey()),
                        ms.stream().map(Measured::windowCpu).toList(), ms.stream().mapToLong(m -> m.window().pushes()).sum());
            }
        }
        table.print(out);
    }

    private static String label(Mode mode) {
        return mode == Mode.STRICT_LOCAL_POPS ? "strict, pops at local" : mode.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** Pushes over the window plus the time the lookup took to apply what the window left owed. */
    private static double paidRate(List<Measured> ms) {
        return ms.stream().mapToLong(m -> m.window().pushes()).sum()
                / ms.stream().mapToDouble(m -> m.window().seconds() + m.owedSeconds()).sum();
    }

    private static double rate(List<Measured> ms) {
        return ms.stream().mapToLong(m -> m.window().pushes()).sum() / ms.stream().mapToDouble(m -> m.window().seconds()).sum();
    }

    /** The median over rounds of each round's p50 (or p99). */
    private static double median(List<Measured> ms, boolean p50) {
        double[] v = ms.stream().mapToDouble(m -> p50 ? m.window().p50Nanos() : m.window().p99Nanos()).sorted().toArray();
        return v[v.length / 2];
    }
}
