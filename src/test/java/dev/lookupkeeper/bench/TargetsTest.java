package dev.lookupkeeper.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetsTest {

    @Test
    void eachTargetSaysWhetherThisRunMetIt() {
        Targets t = new Targets();
        t.atMost("strict one-row p50 ≤ 0.6 ms", 0.6, 0.6, "%.3f ms");
        t.atMost("walsender ≤ 8 µs per event", 8.01, 8, "%.2f µs");
        t.atLeast("eventual ≥ 2.0× the trigger", 1.999, 2.0, "%.2f×");
        t.atLeast("drain ≥ 200,000 events/s", 200_000, 200_000, "%,.0f events/s");
        List<String> lines = t.lines();
        assertEquals(List.of(
                "Against issue 16's targets (this run's figures; docs/benchmarks.md records them and the reasons):",
                "",
                "| target | this run | |",
                "|---|---|---|",
                "| strict one-row p50 ≤ 0.6 ms | 0.600 ms | met |",
                "| walsender ≤ 8 µs per event | 8.01 µs | **not met** |",
                "| eventual ≥ 2.0× the trigger | 2.00× | **not met** |",
                "| drain ≥ 200,000 events/s | 200,000 events/s | met |"), lines);
    }

    @Test
    void noTargetNoTable() {
        Targets t = new Targets();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        t.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertTrue(t.isEmpty());
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
