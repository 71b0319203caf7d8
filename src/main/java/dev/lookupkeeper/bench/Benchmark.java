package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.operations.switching.Switcher;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.EmbeddedServer;
import dev.lookupkeeper.pg.Slots;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The suites that share one embedded PostgreSQL and one 1,000-partition queue, run side by side:
 * drain (see {@link DrainBenchmark}), steady-load CPU, rebuild, selection and the write path; prints
 * their Markdown tables at the end.
 */
public final class Benchmark {
    private final int backlog;
    private final int lagRate;
    private final int lagSeconds;
    private final PrintStream out;
    private final List<String> sidecarJvmOptions;

    private final boolean drain;
    private final boolean insert;
    private final int insertRounds;
    private final int insertSeconds;
    private boolean pin = true;
    private boolean walsenderWithSidecar;
    private List<Integer> selectSizes = List.of();
    private int[][] rebuildSizes = new int[0][];

    public Benchmark(int backlog, int lagRate, int lagSeconds, List<String> sidecarJvmOptions, PrintStream out) {
        this(backlog, lagRate, lagSeconds, sidecarJvmOptions, true, true, 3, 3, out);
    }

    public Benchmark(int backlog, int lagRate, int lagSeconds, List<String> sidecarJvmOptions, boolean drain, boolean insert,
                     int insertRounds, int insertSeconds, PrintStream out) {
        this.drain = drain;
        this.insert = insert;
        this.insertRounds = insertRounds;
        this.insertSeconds = insertSeconds;
        this.sidecarJvmOptions = List.copyOf(sidecarJvmOptions);
        this.backlog = backlog;
        this.lagRate = lagRate;
        this.lagSeconds = lagSeconds;
        this.out = out;
    }

    /** Whether the insert benchmark pins PostgreSQL and the sidecar to separate CPUs (default yes). */
    public Benchmark pin(boolean value) {
        this.pin = value;
        return this;
    }

    /** {messages, partitions} pairs of the rebuild benchmark (empty = skip it). */
    public Benchmark rebuildSizes(int[][] sizes) {
        this.rebuildSizes = sizes;
        return this;
    }

    /** Queue sizes of the selection benchmark (empty = skip it). */
    public Benchmark selectSizes(List<Integer> sizes) {
        this.selectSizes = List.copyOf(sizes);
        return this;
    }

    private boolean remoteReceive;
    private boolean steadyOnly;

    /** Only the steady-load CPU-per-event runs (they also run as part of the drain suite). */
    public Benchmark steadyOnly(boolean value) {
        this.steadyOnly = value;
        return this;
    }

    /** Pinned insert runs: loopback's receive processing on the sidecar's CPU (see InsertBenchmark). */
    public Benchmark remoteReceive(boolean value) {
        this.remoteReceive = value;
        return this;
    }

    private boolean sidecarOnSocket;

    /** Insert runs: the sidecar connects through the server's Unix-domain socket (the writers stay on TCP). */
    public Benchmark sidecarOnSocket(boolean value) {
        this.sidecarOnSocket = value;
        return this;
    }

    /** Pinned insert runs: the slot's walsender on PostgreSQL's CPU (default) or on the sidecar's. */
    public Benchmark walsenderWithSidecar(boolean value) {
        this.walsenderWithSidecar = value;
        return this;
    }

    public void run() throws Exception {
        List<String[]> rows = new ArrayList<>();
        Targets targets = new Targets();
        List<String> insertTable = List.of();
        List<String> selectTable = List.of();
        List<String> rebuildTable = List.of();
        try (EmbeddedServer server = BenchServers.start(100)) {
            ConnectionSettings conn = server.connection();
            Settings settings = new SettingsLoader(Map.of()).load(null, Map.of()).withConnection(conn);
            List<UUID> partitions;
            try (Connection c = Database.connect(conn, "lookupkeeper-bench")) {
                out.printf("benchmark on %s (%s)%n", BenchServers.describe(), LatencyBenchmark.serverVersion(c));
                QueenFixture.createSchema(c);
                partitions = QueenFixture.createQueues(c, "bench", 1, 1000);
                new Installer(settings).install(c, true);
                new Bootstrapper(settings).ensure(c, Bootstrapper.ProgressSink.none());
                try (PreparedStatement copy = c.prepareStatement("SELECT pg_copy_logical_replication_slot(?, ?)")) {
                    // the raw drain's copy; the Debezium engine drains the same backlog from its own copy, side by
                    // side; the native reader again, over the server's Unix-domain socket; and the replay window's
                    // slot, as the streaming sidecar would create it: a copy of the stream's slot
                    for (String target : List.of("bench_raw", CopyDrain.DEBEZIUM_SLOT, CopyDrain.UNIX_SOCKET_SLOT, settings.replaySlot())) {
                        copy.setString(1, settings.slot());
                        copy.setString(2, target);
                        copy.execute();
                    }
                }
                Slots.State replaySlot = Slots.state(c, settings.replaySlot());
                String replayFrom = replaySlot == null ? null : replaySlot.confirmedFlushLsn();
                if (drain) {
                    rows.addAll(new DrainBenchmark(backlog, lagRate, lagSeconds, sidecarJvmOptions, out).withTargets(targets).run(c, conn, settings, partitions, replayFrom));
                }
                if (steadyOnly) {
                    rows.addAll(new SteadyLoadBenchmark(conn, settings, partitions, sidecarJvmOptions, out).withTargets(targets).run(c, STEADY_RATE, lagSeconds));
                }
                if (rebuildSizes.length > 0) {
                    rebuildTable = new RebuildBenchmark(conn, settings, out).run(rebuildSizes);
                }
                if (!selectSizes.isEmpty()) {
                    selectTable = new SelectBenchmark(conn, settings, selectSizes, 200, out).run();
                }
                if (insert) {
                    Switcher.dropSlot(c, settings, StreamTarget.main(settings));
                    out.printf("insert benchmark: %d rounds of %d cells x %d modes, %d s each...%n", insertRounds, 8,
                            InsertBenchmark.Mode.values().length - (RecvLogical.find() == null ? 1 : 0), insertSeconds);
                    boolean pinned = pin && CpuPinning.available();
                    out.println(!pinned ? "insert benchmark: all processes share all CPUs, the sidecar runs in this JVM"
                            : "insert benchmark: PostgreSQL and writers on CPU 0, the sidecar (child JVM) on CPU 1, the slot's walsender on CPU "
                              + (walsenderWithSidecar ? "1" : "0")
                              + (remoteReceive ? "; loopback receive processing on CPU 1 (clients as if remote)" : ""));
                    ConnectionSettings sidecarConn = sidecarOnSocket ? UnixSocket.required(c, conn) : conn;
                    if (sidecarOnSocket) {
                        out.println("insert benchmark: the sidecar over the Unix-domain socket " + sidecarConn.socketPath() + ", the writers over TCP");
                    }
                    insertTable = new InsertBenchmark(conn, settings, partitions, insertRounds, insertSeconds, pinned, sidecarJvmOptions, out)
                            .sidecarConnection(sidecarConn).walsenderWithSidecar(walsenderWithSidecar).remoteReceive(remoteReceive && pinned).run();
                }
            }
        }
        if (drain || steadyOnly) {
            out.println();
            out.println("| measure | value | ratio to raw decode |");
            out.println("|---|---|---|");
            for (String[] r : rows) {
                out.println("| " + r[0] + " | " + r[1] + " | " + r[2] + " |");
            }
            targets.print(out);
        }
        if (insert) {
            out.println();
            insertTable.forEach(out::println);
        }
        if (!rebuildTable.isEmpty()) {
            out.println();
            rebuildTable.forEach(out::println);
        }
        if (!selectTable.isEmpty()) {
            out.println();
            selectTable.forEach(out::println);
            out.println();
            out.println("| in-memory selection model | heap retained |");
            out.println("|---|---|");
            for (int size : new int[] {100_000, 1_000_000}) {
                out.printf("| %,d partitions, a lookup row each, 2 consumer groups that consumed every partition | %s MB |%n", size,
                        mb(dev.lookupkeeper.selection.ModelFootprint.measure(size, 2)));
            }
        }
    }


    private static String mb(long bytes) {
        return Long.toString(bytes / (1024 * 1024));
    }

    /** The second lag run's rate, and the steady load of the CPU-per-event runs. */
    static final int STEADY_RATE = 10_000;
}
