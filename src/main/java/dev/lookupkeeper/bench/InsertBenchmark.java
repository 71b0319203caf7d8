package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.switching.Switcher;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.SynchronousStandbys;
import dev.lookupkeeper.sidecar.CdcPipeline;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Write-path cost, measured side by side: insert throughput with no maintenance, with the trigger,
 * and with the CDC sidecar streaming (in this JVM, on the same cores), interleaved so that drift
 * of the machine or the table's growth hits every mode alike. Each cell is pushed for a few
 * seconds per round; the table is truncated between rounds.
 */
final class InsertBenchmark {
    /**
     * CDC: the sidecar streaming, no replay window; CDC_WINDOW: the same with the replay window (its
     * slot advanced every 5 s); STRICT: CDC with strict consistency (every push waits for its lookup row);
     * WALSENDER_ALONE: pg_recvlogical on a pgoutput slot, writing to /dev/null — the walsender's work
     * with nothing applied, the most any CDC client could keep (run only where pg_recvlogical is installed).
     */
    enum Mode { NONE, TRIGGER, CDC, CDC_WINDOW, STRICT, WALSENDER_ALONE }

    record Cell(int clients, int rows, boolean hot) {
        String label() {
            return clients + " | " + rows + " | " + (hot ? "hot set of 10" : "1,000");
        }
    }

    private final ConnectionSettings conn;
    private final Settings settings;
    private final List<UUID> partitions;
    private final int rounds;
    private final int seconds;
    private final boolean pin;
    private boolean walsenderWithSidecar;
    private final List<String> sidecarJvmOptions;
    private final PrintStream out;

    /**
     * @param pin PostgreSQL and the benchmark's writers on CPU 0, the sidecar (a child JVM) on CPU 1,
     *            as in a deployment where the sidecar has its own CPU; otherwise everything shares all
     *            cores and the sidecar runs in this JVM
     */
    InsertBenchmark(ConnectionSettings conn, Settings settings, List<UUID> partitions, int rounds, int seconds, boolean pin,
                    List<String> sidecarJvmOptions, PrintStream out) {
        this.pin = pin;
        this.sidecarJvmOptions = sidecarJvmOptions;
        this.conn = conn;
        this.sidecarConn = conn;
        this.settings = settings;
        this.partitions = partitions;
        this.rounds = rounds;
        this.seconds = seconds;
        this.out = out;
    }

    private boolean remoteReceive;
    private ConnectionSettings sidecarConn;

    /** How the sidecar reaches the server (TCP loopback as the writers, or the Unix-domain socket). */
    InsertBenchmark sidecarConnection(ConnectionSettings value) {
        this.sidecarConn = value;
        return this;
    }

    /**
     * Pinned runs: steer the receive half of loopback TCP to the sidecar's CPU, as if the clients
     * (sidecar, writers) sat on other hosts — on one machine, the kernel otherwise processes every
     * packet the walsender sends on PostgreSQL's CPU, a cost a remote sidecar does not put there.
     */
    InsertBenchmark remoteReceive(boolean value) {
        this.remoteReceive = value;
        return this;
    }

    /** Pinned runs: whether the slot's walsender (where PostgreSQL decodes) joins the sidecar's CPU. */
    InsertBenchmark walsenderWithSidecar(boolean value) {
        this.walsenderWithSidecar = value;
        return this;
    }

    List<String> run() throws Exception {
        List<Cell> cells = new ArrayList<>();
        for (int clients : new int[] {1, 8}) {
            for (int rows : new int[] {1, 20}) {
                for (boolean hot : new boolean[] {false, true}) {
                    cells.add(new Cell(clients, rows, hot));
                }
            }
        }
        Map<Cell, EnumMap<Mode, Long>> rowsDone = new LinkedHashMap<>();
        Map<Cell, EnumMap<Mode, Double>> secondsDone = new LinkedHashMap<>();
        java.nio.file.Path recvLogical = RecvLogical.find();
        Mode[] modes = java.util.Arrays.stream(Mode.values())
                .filter(m -> m != Mode.WALSENDER_ALONE || recvLogical != null).toArray(Mode[]::new);
        if (recvLogical == null) {
            out.println("insert benchmark: the walsender-alone column skipped (" + RecvLogical.WHERE + ")");
        }
        try (Connection c = Database.connect(conn, "lookupkeeper-bench-insert")) {
            if (pin) {
                CpuPinning.pinPostgresAndSelf(c, "0");
            }
            String rpsBefore = remoteReceive ? LoopbackSteering.steerTo("1") : null;
            try {
            for (int round = 0; round < rounds; round++) {
                try (Statement st = c.createStatement()) {
                    st.execute("TRUNCATE queen.messages, queen.partition_lookup");
                }
                for (Cell cell : cells) {
                    for (int i = 0; i < modes.length; i++) {
                        Mode mode = modes[(i + round + cells.indexOf(cell)) % modes.length]; // rotate the order
                        long[] measured = measure(c, cell, mode, recvLogical);
                        rowsDone.computeIfAbsent(cell, k -> new EnumMap<>(Mode.class)).merge(mode, measured[0], Long::sum);
                        secondsDone.computeIfAbsent(cell, k -> new EnumMap<>(Mode.class)).merge(mode, measured[1] / 1e9, Double::sum);
                    }
                }
                out.printf("insert benchmark: round %d of %d done%n", round + 1, rounds);
            }
            } finally {
                if (rpsBefore != null) {
                    LoopbackSteering.restore(rpsBefore);
                }
            }
        }
        List<String> table = new ArrayList<>();
        table.add("| clients | rows per push | partitions | no maintenance (rows/s) | trigger (rows/s, ratio) | CDC running (rows/s, ratio)"
                + " | CDC + replay window (rows/s, ratio) | CDC strict (rows/s, ratio)"
                + (recvLogical != null ? " | walsender alone: pg_recvlogical, nothing applied (rows/s, ratio) |" : " |"));
        table.add("|---|---|---|---|---|---|---|---|" + (recvLogical != null ? "---|" : ""));
        for (Cell cell : cells) {
            double none = rate(rowsDone, secondsDone, cell, Mode.NONE);
            double trig = rate(rowsDone, secondsDone, cell, Mode.TRIGGER);
            double cdc = rate(rowsDone, secondsDone, cell, Mode.CDC);
            double window = rate(rowsDone, secondsDone, cell, Mode.CDC_WINDOW);
            double strict = rate(rowsDone, secondsDone, cell, Mode.STRICT);
            String alone = "";
            if (recvLogical != null) {
                double floor = rate(rowsDone, secondsDone, cell, Mode.WALSENDER_ALONE);
                alone = String.format(" %,.0f (%.2f) |", floor, floor / none);
            }
            table.add(String.format("| %s | %,.0f | %,.0f (%.2f) | %,.0f (%.2f) | %,.0f (%.2f) | %,.0f (%.2f) |%s", cell.label(), none, trig,
                    trig / none, cdc, cdc / none, window, window / none, strict, strict / none, alone));
        }
        Cell single = new Cell(1, 1, false);
        table.add("");
        table.add(String.format("Single client, one row per push (1,000 partitions), latency per push: no maintenance %.3f ms,"
                        + " trigger %.3f ms, CDC eventual %.3f ms, CDC strict %.3f ms (the push waits for its lookup row's commit).",
                1000 / rate(rowsDone, secondsDone, single, Mode.NONE), 1000 / rate(rowsDone, secondsDone, single, Mode.TRIGGER),
                1000 / rate(rowsDone, secondsDone, single, Mode.CDC), 1000 / rate(rowsDone, secondsDone, single, Mode.STRICT)));
        Targets targets = new Targets();
        for (Cell cell : cells) {
            double none = rate(rowsDone, secondsDone, cell, Mode.NONE);
            double trig = rate(rowsDone, secondsDone, cell, Mode.TRIGGER);
            double cdc = rate(rowsDone, secondsDone, cell, Mode.CDC);
            // issue 16 sets these with the walsender on PostgreSQL's CPU, pinned (the suite's default layout)
            String where = " (" + (cell.hot() ? "hot set of 10" : "1,000 partitions")
                    + (pin && !walsenderWithSidecar ? ")" : "; not the target's layout: the walsender on PostgreSQL's CPU, pinned)");
            if (cell.clients() == 8 && cell.rows() == 20) {
                targets.atLeast("insert, 8 clients × 20 rows: CDC eventual ≥ 0.90 of no maintenance" + where, cdc / none, 0.90, "%.2f");
                targets.atLeast("insert, 8 clients × 20 rows: CDC strict ≥ 1.0× the trigger" + where,
                        rate(rowsDone, secondsDone, cell, Mode.STRICT) / trig, 1.0, "%.2f×");
            } else if (cell.clients() == 1) {
                // at or above the trigger's ratio to no maintenance: CDC's rows/s over the trigger's, at least 1
                targets.atLeast("insert, one client × " + cell.rows() + " row(s): CDC eventual at or above the trigger (CDC ÷ trigger ≥ 1)"
                        + where, cdc / trig, 1.0, "%.2f×");
            }
        }
        if (!targets.isEmpty()) {
            table.add("");
            table.addAll(targets.lines());
        }
        return table;
    }

    private static double rate(Map<Cell, EnumMap<Mode, Long>> rows, Map<Cell, EnumMap<Mode, Double>> seconds, Cell cell, Mode mode) {
        return rows.get(cell).get(mode) / seconds.get(cell).get(mode);
    }

    /** @return rows pushed and nanoseconds measured */
    private long[] measure(Connection c, Cell cell, Mode mode, java.nio.file.Path recvLogical) throws Exception {
        TriggerMode trigger = new TriggerMode(settings);
        CdcPipeline pipeline = null;
        Process child = null;
        if (mode == Mode.TRIGGER) {
            trigger.create(c);
        } else if (mode != Mode.NONE && mode != Mode.WALSENDER_ALONE && pin) {
            child = mode == Mode.STRICT
                    ? CpuPinning.startSidecar(sidecarConn, sidecarJvmOptions, "1", "--replay-window", "0", "--consistency", "strict", "--strict-guard", "none")
                    : CpuPinning.startSidecar(sidecarConn, sidecarJvmOptions, "1", "--replay-window", mode == Mode.CDC_WINDOW ? "15m" : "0");
            SlotHolder.awaitStreaming(c, settings.slot(), child, "the sidecar child", Duration.ofSeconds(60));
            if (walsenderWithSidecar) {
                CpuPinning.pinSlotHolder(c, settings.slot(), "1");
            }
        } else if (mode != Mode.NONE && mode != Mode.WALSENDER_ALONE) {
            pipeline = new CdcPipeline(settings.withConnection(sidecarConn), StreamTarget.main(settings), new PipelineStats(), new CdcPipeline.Options(
                    dev.lookupkeeper.sidecar.StreamSource.PGOUTPUT, true, null, java.time.Duration.ZERO, mode == Mode.STRICT));
            pipeline.start(Bootstrapper.ProgressSink.none());
        }
        if (mode == Mode.STRICT) {
            SynchronousStream.await(c, settings.consistency().applicationName(), !pin);
        }
        try {
            if (mode == Mode.WALSENDER_ALONE) {
                // inside the try: a client that does not stream is stopped and its slot dropped below
                child = RecvLogical.start(c, recvLogical, sidecarConn, settings.slot(), settings.publication(), pin ? "1" : null);
                RecvLogical.awaitStreaming(c, settings.slot(), child);
                if (pin && walsenderWithSidecar) {
                    CpuPinning.pinSlotHolder(c, settings.slot(), "1");
                }
            }
            List<UUID> set = cell.hot() ? partitions.subList(0, 10) : partitions;
            // strict: the pushes commit at remote_apply, as `install --consistency strict` sets the queue's sessions
            PushLoad load = new PushLoad(conn, set, new PushLoad.Options(cell.clients(), 0, cell.rows(), 0, 17, true))
                    .commitLevel(mode == Mode.STRICT ? QueueCommitLevel.STRICT_LEVEL : "on").start();
            Thread.sleep(500); // warm-up, not counted
            long r0 = load.written();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long r1 = load.written();
            long t1 = System.nanoTime();
            load.close();
            if (load.failure() != null) {
                throw new IllegalStateException("a writer failed: " + load.failure().getMessage(), load.failure());
            }
            return new long[] {r1 - r0, t1 - t0};
        } finally {
            if (mode == Mode.STRICT) {
                SynchronousStandbys.relax(c);
            }
            if (mode == Mode.TRIGGER) {
                trigger.drop(c);
            } else if (mode != Mode.NONE) {
                if (pipeline != null) {
                    pipeline.close();
                }
                if (child != null) {
                    RecvLogical.stop(child); // SIGTERM, then SIGKILL after 15 s: the sidecar child as pg_recvlogical
                    SlotHolder.awaitReleased(c, settings.slot(), Duration.ofSeconds(30)); // then dropped, loudly if still held
                }
                // no slot between CDC cells: the next CDC cell must not drain the other modes' inserts (a slot
                // still held fails here, loudly)
                Switcher.dropSlot(c, settings, StreamTarget.main(settings));
                Slots.dropIfInactive(c, settings.replaySlot());
            }
        }
    }
}
