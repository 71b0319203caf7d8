package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.bench.ContendedBenchmark.Cell;
import dev.lookupkeeper.bench.ContendedBenchmark.Measured;
import dev.lookupkeeper.bench.ContendedBenchmark.Mode;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which contended cells the targets cover, and how each is judged. */
class ContendedTablesTest {

    /** One round: {@code pushes} in 10 s, {@code owed} seconds of catch-up after it, {@code lookupWaits} summed over 100 samples. */
    private static List<Measured> round(long pushes, double owed, long lookupWaits) {
        ContendedLoad.Window w = new ContendedLoad.Window(pushes, 0, 0, 0, 10.0, 1, 2, 100, 0, lookupWaits, lookupWaits);
        return List.of(new Measured(w, 0, -1, -1, owed, new EnumMap<>(DatabaseCpu.Role.class)));
    }

    /** One round with pops: {@code pushes} and {@code pops} in 10 s, the pops taking {@code popped} messages. */
    private static List<Measured> withPops(long pushes, long pops, long popped) {
        ContendedLoad.Window w = new ContendedLoad.Window(pushes, pops, popped, 0, 10.0, 1, 2, 100, 0, 0, 0);
        return List.of(new Measured(w, 0, -1, -1, 0, new EnumMap<>(DatabaseCpu.Role.class)));
    }

    @Test
    void theMessagesPoppedAndStrictWithItsPopsAtLocalArePrinted() {
        EnumMap<Mode, List<Measured>> m = new EnumMap<>(Mode.class);
        m.put(Mode.NONE, withPops(36_360, 0, 0));
        m.put(Mode.TRIGGER, withPops(6_300, 3_720, 108_730));     // 630 pushes/s = 12,600 messages/s; 10,873 popped/s = 0.86
        m.put(Mode.CDC, withPops(26_560, 1_020, 101_730));
        m.put(Mode.STRICT, withPops(16_780, 330, 32_510));        // 3,251 popped/s of 335,600 pushed in 10 s = 0.10
        m.put(Mode.STRICT_LOCAL_POPS, withPops(18_900, 1_000, 99_000));
        Map<Cell, EnumMap<Mode, List<Measured>>> results = new LinkedHashMap<>();
        results.put(new Cell(128, 100, 5, 0.5, true), m);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ContendedTables.print(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), results);
        String printed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(printed).contains("| strict, pops at local (÷ trigger) |")
                .contains(" 1,890 (3.00) |")
                .contains("| 128 | 100 | 5 | 0.5 ms | yes | trigger | 0.00 / 0.00 | 372 | 10,873 (0.86) |")
                .contains("| 128 | 100 | 5 | 0.5 ms | yes | strict | 0.00 / 0.00 | 33 | 3,251 (0.10) |")
                .contains("| 128 | 100 | 5 | 0.5 ms | yes | strict, pops at local | 0.00 / 0.00 | 100 | 9,900 (0.26) |");
    }

    private static EnumMap<Mode, List<Measured>> modes(long trigger, long cdc, double cdcOwed, long strict, long strictLookupWaits) {
        EnumMap<Mode, List<Measured>> m = new EnumMap<>(Mode.class);
        m.put(Mode.NONE, round(30_000, 0, 0));
        m.put(Mode.TRIGGER, round(trigger, 0, 500));
        m.put(Mode.CDC, round(cdc, cdcOwed, 0));
        m.put(Mode.STRICT, round(strict, 0, strictLookupWaits));
        return m;
    }

    @Test
    void onlyCellsOfTheTargetsShapeAreJudgedAndTheCatchUpCounts() {
        Map<Cell, EnumMap<Mode, List<Measured>>> results = new LinkedHashMap<>();
        results.put(new Cell(64, 100, 5, 0.5, false), modes(10_000, 30_000, 0, 30_000, 0));   // < 100 clients
        results.put(new Cell(128, 100, 1, 0.5, false), modes(10_000, 30_000, 0, 30_000, 0));  // one partition per push
        results.put(new Cell(128, 1000, 5, 0.5, false), modes(10_000, 30_000, 0, 30_000, 0)); // 1,000 partitions
        results.put(new Cell(128, 100, 5, 2.0, false), modes(10_000, 30_000, 0, 30_000, 0));  // another round trip
        // 10,000 trigger pushes; eventual 25,000 in 10 s + 2.5 s owed = 2.0x exactly; strict 14,900 = 1.49x, one lookup wait
        results.put(new Cell(128, 100, 5, 0.5, false), modes(10_000, 25_000, 2.5, 14_900, 1));
        results.put(new Cell(256, 100, 5, 0.5, true), modes(10_000, 19_000, 0, 15_000, 0));

        List<String> lines = ContendedTables.targets(results).lines();
        assertThat(lines.subList(4, lines.size())).containsExactly(
                "| contended: CDC eventual ≥ 2.0× the trigger, its backlog applied (128 clients) | 2.00× | met |",
                "| contended: CDC strict ≥ 1.5× the trigger, its backlog applied (128 clients) | 1.49× | **not met** |",
                "| contended: sessions waiting on a lookup row's lock (Lock/tuple, Lock/transactionid), cdc (128 clients) | 0 in all samples | met |",
                "| contended: sessions waiting on a lookup row's lock (Lock/tuple, Lock/transactionid), strict (128 clients) | 1 in all samples"
                        + " | **not met** |",
                "| contended: CDC eventual ≥ 2.0× the trigger, its backlog applied (256 clients, with pops) | 1.90× | **not met** |",
                "| contended: CDC strict ≥ 1.5× the trigger, its backlog applied (256 clients, with pops) | 1.50× | met |",
                "| contended: sessions waiting on a lookup row's lock (Lock/tuple, Lock/transactionid), cdc (256 clients, with pops) | 0 in all"
                        + " samples | met |",
                "| contended: sessions waiting on a lookup row's lock (Lock/tuple, Lock/transactionid), strict (256 clients, with pops) | 0 in"
                        + " all samples | met |");
    }
}
