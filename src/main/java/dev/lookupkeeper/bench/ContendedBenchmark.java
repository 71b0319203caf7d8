package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.operations.switching.Switcher;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.EmbeddedServer;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.SynchronousStandbys;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.sidecar.StreamSource;
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
 * The regime the queue's trigger was dropped for: many clients pushing micro-batches at once, with
 * a round trip between the insert and the commit, so lookup rows stay locked across it. Every mode
 * — no maintenance, the queue's statement-level trigger, CDC eventual, CDC strict (pushes at
 * {@code remote_apply}; in cells with pops also with the pops at {@code local}) — runs each cell in turn, rounds interleaved with the order rotated, all on
 * one machine's cores (PostgreSQL, clients and the sidecar in this JVM). Prints pushes/s, latency
 * p50/p99, sessions waiting on row locks (sampled every 100 ms from pg_stat_activity; "on the
 * lookup": the waited-for lock or transaction is the lookup's), PostgreSQL's CPU per push and, for
 * CDC, the lookup's lag (the worst round's p50 and p99): a walsender starved of CPU shows there,
 * not in the pushes' rate. So for CDC the load then stops and the share of the catch-up that the
 * window's growth of the backlog accounts for is added to the window ("its backlog applied"), its
 * database CPU in the same share to the window's: a rate the walsender cannot keep up with is not
 * one a queue can sustain. Where pg_recvlogical is installed, a fifth mode runs it on the stream's
 * slot ("walsender alone": PostgreSQL decodes and sends, nothing is applied), accounted the same way
 * by the WAL its walsender had still to send: the most any CDC client could keep here.
 */
public final class ContendedBenchmark {
    /**
     * STRICT_LOCAL_POPS: strict, its pops committing at {@code local} (cells with pops only): a
     * pop's lease and ack touch no message, so they need not wait for the sidecar — what a queue
     * whose pops run under a role of their own can choose.
     */
    enum Mode {
        NONE, TRIGGER, CDC, STRICT, STRICT_LOCAL_POPS, WALSENDER_ALONE;

        boolean strict() {
            return this == STRICT || this == STRICT_LOCAL_POPS;
        }
    }

    /** One shape of load. */
    public record Cell(int clients, int partitions, int spread, double roundTripMs, boolean pops) {
        String label() {
            return String.format(java.util.Locale.ROOT, "%d | %,d | %d | %s ms | %s", clients, partitions, spread, trim(roundTripMs), pops ? "yes" : "no");
        }

        private static String trim(double ms) {
            return ms == Math.rint(ms) ? Long.toString((long) ms) : Double.toString(ms);
        }
    }

    /**
     * @param lagP50Ms,lagP99Ms commit → lookup commit of the events applied in the window (CDC modes; -1 otherwise)
     * @param owedSeconds CDC: the time the lookup then took to apply what the window added to its backlog
     *                    (the load stopped; 0 for the other modes) — work a saturated walsender put off, which a
     *                    window's rate alone would not pay for
     * @param windowCpu PostgreSQL's CPU within the window by role (the catch-up after it not included)
     */
    record Measured(ContendedLoad.Window window, long cpuNanos, long lagP50Ms, long lagP99Ms, double owedSeconds,
                    EnumMap<DatabaseCpu.Role, Long> windowCpu) {
        double pushesPerSecond() {
            return window.pushes() / window.seconds();
        }
    }

    private final List<Cell> cells;
    private final int rounds;
    private final int seconds;
    private final PrintStream out;
    private boolean sidecarOnSocket;

    public ContendedBenchmark(List<Cell> cells, int rounds, int seconds, PrintStream out) {
        this.cells = List.copyOf(cells);
        this.rounds = rounds;
        this.seconds = seconds;
        this.out = out;
    }

    /** The CDC modes' sidecar connects through the server's Unix-domain socket (the clients stay on TCP). */
    public ContendedBenchmark sidecarOnSocket(boolean value) {
        this.sidecarOnSocket = value;
        return this;
    }

    public void run() throws Exception {
        int maxClients = cells.stream().mapToInt(c -> c.clients() + (c.pops() ? popClients(c) : 0)).max().orElse(0);
        try (EmbeddedServer server = BenchServers.start(maxClients + 40)) {
            ConnectionSettings conn = server.connection();
            Settings settings = new SettingsLoader(Map.of()).load(null, Map.of()).withConnection(conn);
            Map<Integer, List<UUID>> partitionsBySize = new LinkedHashMap<>();
            Map<Cell, EnumMap<Mode, List<Measured>>> results = new LinkedHashMap<>();
            try (Connection c = Database.connect(conn, "lookupkeeper-bench-contended")) {
                QueenFixture.createSchema(c);
                for (Cell cell : cells) {
                    partitionsBySize.computeIfAbsent(cell.partitions(), n -> {
                        try {
                            return QueenFixture.createQueues(c, "contended" + n, 1, n);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
                new Installer(settings).install(c, true);
                DatabaseCpu cpu = DatabaseCpu.of(c);
                Settings sidecar = sidecarOnSocket ? settings.withConnection(UnixSocket.required(c, conn)) : settings;
                java.nio.file.Path recvLogical = RecvLogical.find();
                boolean anyPops = cells.stream().anyMatch(Cell::pops);
                Mode[] modes = java.util.Arrays.stream(Mode.values())
                        .filter(m -> m != Mode.WALSENDER_ALONE || recvLogical != null)
                        .filter(m -> m != Mode.STRICT_LOCAL_POPS || anyPops).toArray(Mode[]::new);
                out.printf("contended benchmark: %d rounds of %d cells x %d modes, %d s each, everything on this machine's cores;"
                        + " the sidecar over %s%s%s%n", rounds, cells.size(), modes.length, seconds,
                        sidecarOnSocket ? "the Unix-domain socket " + sidecar.connection().socketPath() : "TCP loopback",
                        recvLogical == null ? "; walsender alone skipped (" + RecvLogical.WHERE + ")" : "",
                        anyPops ? "; strict with its pops at local in the cells with pops only" : "");
                for (int round = 0; round < rounds; round++) {
                    for (int ci = 0; ci < cells.size(); ci++) {
                        Cell cell = cells.get(ci);
                        for (int i = 0; i < modes.length; i++) {
                            Mode mode = modes[(i + round + ci) % modes.length];
                            if (mode == Mode.STRICT_LOCAL_POPS && !cell.pops()) {
                                continue;
                            }
                            truncate(c);
                            Measured m = measure(c, conn, settings, sidecar, cpu, cell, mode, partitionsBySize.get(cell.partitions()), recvLogical);
                            results.computeIfAbsent(cell, k -> new EnumMap<>(Mode.class)).computeIfAbsent(mode, k -> new ArrayList<>()).add(m);
                            out.printf("  round %d, %s, %s: %,.0f pushes/s, p50 %.2f ms%s%n", round + 1, cell.label(), mode,
                                    m.pushesPerSecond(), m.window().p50Nanos() / 1e6,
                                    m.owedSeconds() > 0 ? String.format(", %.2f s owed after the window", m.owedSeconds()) : "");
                        }
                    }
                }
            }
            ContendedTables.print(out, results);
        }
    }

    private static int popClients(Cell cell) {
        return Math.max(4, cell.clients() / 8);
    }

    private static void truncate(Connection c) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute("TRUNCATE queen.messages, queen.partition_lookup, queen.partition_consumers");
        }
    }

    /** @param sidecar the settings the CDC modes' sidecar runs with (TCP as the clients, or the Unix socket) */
    private Measured measure(Connection c, ConnectionSettings conn, Settings settings, Settings sidecar, DatabaseCpu cpu, Cell cell, Mode mode,
                             List<UUID> partitions, java.nio.file.Path recvLogical) throws Exception {
        TriggerMode trigger = new TriggerMode(settings);
        CdcPipeline pipeline = null;
        Process client = null;
        PipelineStats stats = new PipelineStats();
        String queue = "contended" + cell.partitions() + "-0";
        ContendedLoad.Options options = new ContendedLoad.Options(cell.clients(), cell.spread(), (long) (cell.roundTripMs() * 1e6),
                cell.pops() ? popClients(cell) : 0, queue, mode.strict() ? QueueCommitLevel.STRICT_LEVEL : "on",
                mode == Mode.STRICT_LOCAL_POPS ? "local" : mode.strict() ? QueueCommitLevel.STRICT_LEVEL : "on");
        try {
            Backlog backlog = null;
            if (mode == Mode.TRIGGER) {
                trigger.create(c);
            } else if (mode == Mode.WALSENDER_ALONE) {
                client = RecvLogical.start(c, recvLogical, sidecar.connection(), settings.slot(), settings.publication(), null);
                RecvLogical.awaitStreaming(c, settings.slot(), client);
                backlog = Backlog.ofWalsender(c, settings.slot());
            } else if (mode != Mode.NONE) {
                pipeline = new CdcPipeline(sidecar, StreamTarget.main(settings), stats, new CdcPipeline.Options(
                        StreamSource.PGOUTPUT, true, null, Duration.ZERO, mode.strict()));
                pipeline.start(Bootstrapper.ProgressSink.none());
            }
            if (mode.strict()) {
                SynchronousStream.await(c, settings.consistency().applicationName(), true);
            }
            return measureLoad(c, conn, cpu, mode, pipeline, backlog, stats, partitions, options);
        } finally {
            if (mode.strict()) {
                SynchronousStandbys.relax(c);
            }
            if (mode == Mode.TRIGGER) {
                trigger.drop(c);
            }
            if (pipeline != null) {
                pipeline.close();
                awaitSlotReleased(c, settings.slot());
                Switcher.dropSlot(c, settings, StreamTarget.main(settings));
            }
            if (client != null) {
                RecvLogical.stop(client);
                awaitSlotReleased(c, settings.slot());
                Slots.dropIfInactive(c, settings.slot());
            }
        }
    }

    /**
     * @param pipeline the sidecar (CDC modes), else null
     * @param walsender walsender alone: the WAL its walsender has still to send, else null
     */
    private Measured measureLoad(Connection c, ConnectionSettings conn, DatabaseCpu cpu, Mode mode, CdcPipeline pipeline, Backlog walsender,
                                 PipelineStats stats, List<UUID> partitions, ContendedLoad.Options options) throws Exception {
        boolean cdc = pipeline != null;
        try (ContendedLoad load = new ContendedLoad(conn, partitions, options).start()) {
            // the sidecar's backlog: the load's committed messages against the events it applied
            Backlog owes = cdc ? Backlog.ofSidecar(load::messagesCommitted, stats::events, pipeline::isStreaming) : walsender;
            Thread.sleep(1500); // warm-up: connections, plans, the sidecar's JIT
            Map<Long, DatabaseCpu.Role> roles = rolesOnceConnected(c, options); // before the count starts: it is a query
            load.measure();
            stats.lagInterval();
            EnumMap<DatabaseCpu.Role, Long> window0 = cpu.byRole(roles);
            long cpu0 = DatabaseCpu.total(window0);
            // strict applies a push before its client sees the COMMIT return: no backlog then (clamped at 0)
            long backlog0 = owes == null ? 0 : owes.size();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long t1 = System.nanoTime();
            EnumMap<DatabaseCpu.Role, Long> window1 = cpu.byRole(roles);
            long cpu1 = DatabaseCpu.total(window1);
            long backlog1 = owes == null ? 0 : owes.size();
            ContendedLoad.Window w = load.window(t1 - t0);
            var lag = stats.lagInterval();
            load.close(); // the clients stop; what they committed is what the stream must catch up with
            if (load.failure() != null) {
                throw new IllegalStateException("a client failed: " + load.failure().getMessage(), load.failure());
            }
            double owed = 0;
            long owedCpu = 0;
            if (owes != null && backlog1 > backlog0) {
                // what the window added to the backlog, consumed at the rate the whole backlog drained at
                // once the load stopped; the database's CPU of the catch-up in the same share
                long remaining = owes.size();
                long cpuStop = cpu.nanos();
                double drain = owes.awaitCaughtUp();
                double share = remaining <= 0 ? 0 : Math.min(1.0, (double) (backlog1 - backlog0) / remaining);
                owed = drain * share;
                owedCpu = (long) ((cpu.nanos() - cpuStop) * share);
                if (!mode.strict()) {
                    out.printf("    %s: backlog %,d %s at the window's start, %,d at its end, %,d left when the clients had stopped,"
                            + " consumed in %.2f s%n", mode, backlog0, mode == Mode.CDC ? "events" : "WAL bytes", backlog1, Math.max(0, remaining), drain);
                }
            }
            return new Measured(w, cpu1 - cpu0 + owedCpu, cdc ? lag.getValueAtPercentile(50) : -1, cdc ? lag.getValueAtPercentile(99) : -1, owed,
                    DatabaseCpu.spent(window0, window1));
        }
    }

    /**
     * The server's processes by role once every client is connected: the clients connect on their
     * own threads, and one still connecting would count as the rest of the server. Waits up to 5 s,
     * then says how many were named.
     */
    private Map<Long, DatabaseCpu.Role> rolesOnceConnected(Connection c, ContendedLoad.Options options) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            Map<Long, DatabaseCpu.Role> roles = DatabaseCpu.roles(c);
            long pushing = roles.values().stream().filter(r -> r == DatabaseCpu.Role.PUSHES).count();
            long popping = roles.values().stream().filter(r -> r == DatabaseCpu.Role.POPS).count();
            boolean all = pushing >= options.clients() && popping >= options.popClients();
            if (all || System.nanoTime() > deadline) {
                if (!all) {
                    out.printf("    only %d of %d pushing and %d of %d popping sessions were connected when the window opened: the others'"
                            + " CPU counts as the rest of the server%n", pushing, options.clients(), popping, options.popClients());
                }
                return roles;
            }
            Thread.sleep(50);
        }
    }

    /** Fails when the walsender still holds the slot a minute after the sidecar stopped. */
    private static void awaitSlotReleased(Connection c, String slot) throws Exception {
        if (!SlotHolder.awaitReleased(c, slot, Duration.ofSeconds(60))) {
            throw new IllegalStateException("the stream's walsender still holds slot " + slot + " 60 s after the sidecar stopped");
        }
    }
}
