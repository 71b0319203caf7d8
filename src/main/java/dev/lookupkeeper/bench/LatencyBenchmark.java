package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.operations.switching.Switcher;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.EmbeddedServer;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.SynchronousStandbys;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.sidecar.StreamSource;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.HdrHistogram.Histogram;

/**
 * One client pushing back to back: what a push costs in time (p50, p99) and in PostgreSQL's CPU
 * (the whole server's, walsender included) with no maintenance, the trigger, CDC eventual and CDC
 * strict (the push commits at {@code remote_apply} and so waits for its lookup row), with the sidecar's own commit
 * asynchronous ({@code --strict-sink-commit async}) and synchronous ({@code sync}) side by side, and
 * the sidecar on the server's Unix-domain socket beside TCP loopback (the pushes stay on TCP). The sidecar
 * runs in this JVM on all cores, as an operator's would on its own; modes are interleaved, their
 * order rotated every round.
 */
public final class LatencyBenchmark {
    enum Mode { NONE, TRIGGER, CDC, CDC_UNIX_SOCKET, STRICT_ASYNC_SINK, STRICT_SYNC_SINK, STRICT_UNIX_SOCKET }

    private record Measured(long pushes, double seconds, Histogram times, EnumMap<DatabaseCpu.Role, Long> cpuByRole) {
        long dbCpuNanos() {
            return DatabaseCpu.total(cpuByRole);
        }
    }

    private final int rounds;
    private final int seconds;
    private final PrintStream out;

    public LatencyBenchmark(int rounds, int seconds, PrintStream out) {
        this.rounds = rounds;
        this.seconds = seconds;
        this.out = out;
    }

    public void run() throws Exception {
        int[] rowsPerPush = {1, 20};
        Map<Integer, EnumMap<Mode, List<Measured>>> results = new LinkedHashMap<>();
        try (EmbeddedServer server = BenchServers.start(100)) {
            ConnectionSettings conn = server.connection();
            Settings settings = new SettingsLoader(Map.of()).load(null, Map.of("strict-sink-commit", "async")).withConnection(conn);
            Settings syncSink = new SettingsLoader(Map.of()).load(null, Map.of("strict-sink-commit", "sync")).withConnection(conn);
            try (Connection c = Database.connect(conn, "lookupkeeper-bench-latency")) {
                ConnectionSettings unix = UnixSocket.of(c, conn);
                Settings viaSocket = unix == null ? null : settings.withConnection(unix);
                if (unix == null) {
                    out.println("the modes on the Unix-domain socket: skipped (no Unix-domain socket of the server is reachable here)");
                }
                QueenFixture.createSchema(c);
                List<UUID> partitions = QueenFixture.createQueues(c, "latency", 1, 1000);
                new Installer(settings).install(c, true);
                DatabaseCpu cpu = DatabaseCpu.of(c);
                out.printf("latency benchmark on %s (%s): one client, %d rounds of %d modes x %d push sizes, %d s each%n",
                        BenchServers.describe(), serverVersion(c), rounds, Mode.values().length, rowsPerPush.length, seconds);
                for (int round = 0; round < rounds; round++) {
                    for (int rows : rowsPerPush) {
                        for (int i = 0; i < Mode.values().length; i++) {
                            Mode mode = Mode.values()[(i + round) % Mode.values().length];
                            if (viaSocket == null && (mode == Mode.CDC_UNIX_SOCKET || mode == Mode.STRICT_UNIX_SOCKET)) {
                                continue;
                            }
                            try (Statement st = c.createStatement()) {
                                st.execute("TRUNCATE queen.messages, queen.partition_lookup");
                            }
                            Settings sidecar = switch (mode) {
                                case STRICT_SYNC_SINK -> syncSink;
                                case CDC_UNIX_SOCKET, STRICT_UNIX_SOCKET -> viaSocket;
                                default -> settings;
                            };
                            Measured m = measure(c, conn, sidecar, cpu, partitions, rows, mode);
                            results.computeIfAbsent(rows, k -> new EnumMap<>(Mode.class)).computeIfAbsent(mode, k -> new ArrayList<>()).add(m);
                            out.printf("  round %d, %d row(s) per push, %s: p50 %.3f ms, %,.0f pushes/s%n", round + 1, rows, mode,
                                    m.times().getValueAtPercentile(50) / 1e6, m.pushes() / m.seconds());
                        }
                    }
                }
            }
        }
        print(results);
    }

    static String serverVersion(Connection c) throws java.sql.SQLException {
        try (Statement st = c.createStatement(); var rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1);
        }
    }

    private Measured measure(Connection c, ConnectionSettings conn, Settings settings, DatabaseCpu cpu, List<UUID> partitions, int rows,
                             Mode mode) throws Exception {
        TriggerMode trigger = new TriggerMode(settings);
        CdcPipeline pipeline = null;
        try {
            if (mode == Mode.TRIGGER) {
                trigger.create(c);
            } else if (mode != Mode.NONE) {
                pipeline = new CdcPipeline(settings, StreamTarget.main(settings), new PipelineStats(), new CdcPipeline.Options(
                        StreamSource.PGOUTPUT, true, null, Duration.ZERO, strict(mode)));
                pipeline.start(Bootstrapper.ProgressSink.none());
            }
            if (strict(mode)) {
                SynchronousStream.await(c, settings.consistency().applicationName(), true);
            }
            PushLoad load = new PushLoad(conn, partitions, new PushLoad.Options(1, 0, rows, 0, 23, true))
                    .commitLevel(strict(mode) ? QueueCommitLevel.STRICT_LEVEL : "on").start();
            try {
                Thread.sleep(1500); // warm-up: the connection, its plans, the reader's JIT
                load.pushTimesSinceLastCall();
                Map<Long, DatabaseCpu.Role> roles = DatabaseCpu.roles(c); // every session of the mode is connected by now
                long p0 = load.pushes();
                EnumMap<DatabaseCpu.Role, Long> cpu0 = cpu.byRole(roles);
                long t0 = System.nanoTime();
                Thread.sleep(seconds * 1000L);
                long t1 = System.nanoTime();
                EnumMap<DatabaseCpu.Role, Long> cpu1 = cpu.byRole(roles);
                long p1 = load.pushes();
                Histogram times = load.pushTimesSinceLastCall();
                if (load.failure() != null) {
                    throw new IllegalStateException("the client failed: " + load.failure().getMessage(), load.failure());
                }
                return new Measured(p1 - p0, (t1 - t0) / 1e9, times, DatabaseCpu.spent(cpu0, cpu1));
            } finally {
                load.close();
            }
        } finally {
            // each step even when one before it failed: the next mode must find no trigger, slot or standby
            try {
                if (strict(mode)) {
                    SynchronousStandbys.relax(c);
                }
            } finally {
                try {
                    if (mode == Mode.TRIGGER) {
                        trigger.drop(c);
                    }
                } finally {
                    if (pipeline != null) {
                        stop(c, settings, pipeline);
                    }
                }
            }
        }
    }

    private static boolean strict(Mode mode) {
        return mode == Mode.STRICT_ASYNC_SINK || mode == Mode.STRICT_SYNC_SINK || mode == Mode.STRICT_UNIX_SOCKET;
    }

    private static void stop(Connection c, Settings settings, CdcPipeline pipeline) throws Exception {
        pipeline.close();
        SlotHolder.awaitReleased(c, settings.slot(), Duration.ofSeconds(30)); // then dropped, loudly if still held
        Switcher.dropSlot(c, settings, StreamTarget.main(settings));
    }

    private void print(Map<Integer, EnumMap<Mode, List<Measured>>> results) {
        out.println();
        out.println("| rows per push | mode | p50 (ms) | p99 (ms) | pushes/s (÷ trigger) | PostgreSQL CPU per push (µs, ÷ trigger) |");
        out.println("|---|---|---|---|---|---|");
        for (var e : results.entrySet()) {
            EnumMap<Mode, List<Measured>> byMode = e.getValue();
            double trigRate = rate(byMode.get(Mode.TRIGGER));
            double trigCpu = cpuPerPush(byMode.get(Mode.TRIGGER));
            for (Mode mode : Mode.values()) {
                List<Measured> ms = byMode.get(mode);
                if (ms == null) {
                    continue; // skipped (no Unix-domain socket)
                }
                out.printf("| %d | %s | %.3f | %.3f | %,.0f (%.2f) | %.1f (%.2f) |%n", e.getKey(), label(mode), median(ms, 50), median(ms, 99),
                        rate(ms), rate(ms) / trigRate, cpuPerPush(ms), cpuPerPush(ms) / trigCpu);
            }
        }
        out.println();
        out.println("p50 and p99: the median over rounds of each round's percentile; pushes/s and CPU: all rounds summed.");
        out.println();
        out.println("Where PostgreSQL's CPU per push goes (µs, all rounds summed; processes named from pg_stat_activity once the mode's sessions are connected):");
        out.println();
        RoleTable table = new RoleTable("rows per push | mode");
        for (var e : results.entrySet()) {
            for (Mode mode : Mode.values()) {
                List<Measured> ms = e.getValue().get(mode);
                if (ms != null) {
                    table.row(e.getKey() + " | " + label(mode), ms.stream().map(Measured::cpuByRole).toList(),
                            ms.stream().mapToLong(Measured::pushes).sum());
                }
            }
        }
        table.print(out);
        Targets targets = new Targets();
        EnumMap<Mode, List<Measured>> oneRow = results.get(1);
        if (oneRow != null) {
            for (Mode mode : List.of(Mode.STRICT_ASYNC_SINK, Mode.STRICT_SYNC_SINK, Mode.STRICT_UNIX_SOCKET)) {
                if (oneRow.containsKey(mode)) {
                    targets.atMost("strict, one client, one-row pushes: p50 ≤ 0.6 ms (" + label(mode) + ")", median(oneRow.get(mode), 50), 0.6,
                            "%.3f ms");
                }
            }
        }
        targets.print(out);
    }

    private static String label(Mode mode) {
        return switch (mode) {
            case NONE -> "no maintenance";
            case TRIGGER -> "trigger";
            case CDC -> "CDC eventual";
            case CDC_UNIX_SOCKET -> "CDC eventual, sidecar on the Unix socket";
            case STRICT_ASYNC_SINK -> "CDC strict (remote_apply), sink commit async";
            case STRICT_SYNC_SINK -> "CDC strict (remote_apply), sink commit sync";
            case STRICT_UNIX_SOCKET -> "CDC strict (remote_apply), sink commit async, sidecar on the Unix socket";
        };
    }

    private static double median(List<Measured> ms, double percentile) {
        double[] v = ms.stream().mapToDouble(m -> m.times().getValueAtPercentile(percentile) / 1e6).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static double rate(List<Measured> ms) {
        return ms.stream().mapToLong(Measured::pushes).sum() / ms.stream().mapToDouble(Measured::seconds).sum();
    }

    private static double cpuPerPush(List<Measured> ms) {
        return ms.stream().mapToLong(Measured::dbCpuNanos).sum() / 1000.0 / ms.stream().mapToLong(Measured::pushes).sum();
    }
}
