package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.operations.replay.Replayer;
import dev.lookupkeeper.operations.switching.Switcher;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.EmbeddedServer;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.sidecar.StreamSource;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Side-by-side figures in one run on one embedded PostgreSQL: the sidecar's drain rate from a
 * backlog next to the raw pgoutput decode rate of the same backlog, end-to-end lag at a steady
 * push rate, and the sidecar's peak heap and RSS.
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
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_copy_logical_replication_slot('" + settings.slot() + "', 'bench_raw')");
                    // the Debezium engine drains the same backlog from its own copy, side by side
                    st.execute("SELECT pg_copy_logical_replication_slot('" + settings.slot() + "', '" + CopyDrain.DEBEZIUM_SLOT + "')");
                    // and the native reader again, over the server's Unix-domain socket
                    st.execute("SELECT pg_copy_logical_replication_slot('" + settings.slot() + "', '" + CopyDrain.UNIX_SOCKET_SLOT + "')");
                    // the replay window's slot, as the streaming sidecar would create it: a copy of the stream's slot
                    st.execute("SELECT pg_copy_logical_replication_slot('" + settings.slot() + "', '" + settings.replaySlot() + "')");
                }
                Slots.State replaySlot = Slots.state(c, settings.replaySlot());
                String replayFrom = replaySlot == null ? null : replaySlot.confirmedFlushLsn();
                if (drain) {
                    out.printf("building a backlog of %,d inserts over %d partitions...%n", backlog, partitions.size());
                    fillBacklog(c, partitions, "drain");
                    double peakRate = rawPeekRate(c, settings);
                    rows.add(new String[] {"raw pgoutput decode (pg_logical_slot_peek_binary_changes)", fmt(peakRate) + " events/s", "1.00"});
                    PipelineStats stats = new PipelineStats();
                    long t0 = System.nanoTime();
                    long cpu0 = CpuPinning.ownCpuNanos();
                    try (CdcPipeline pipeline = new CdcPipeline(settings, stats)) {
                        pipeline.start(Bootstrapper.ProgressSink.none());
                        long tStream = System.nanoTime();
                        long walsender = CpuPinning.slotHolderPid(c, settings.slot());
                        long walsenderCpu0 = CpuPinning.cpuNanos(walsender);
                        while (stats.events() < backlog) {
                            if (!pipeline.isStreaming()) {
                                throw new IllegalStateException("the pipeline stopped during the drain");
                            }
                            Thread.sleep(5);
                        }
                        long tEnd = System.nanoTime();
                        long cpuNative = CpuPinning.ownCpuNanos() - cpu0;
                        long walsenderNative = CpuPinning.cpuNanos(walsender) - walsenderCpu0;
                        double drain = backlog / ((tEnd - tStream) / 1e9);
                        double drainWithStart = backlog / ((tEnd - t0) / 1e9);
                        rows.add(new String[] {"lookupkeeper drain, native pgoutput reader (stream start to last event applied)", fmt(drain) + " events/s", String.format("%.2f", drain / peakRate)});
                        rows.add(new String[] {"native reader: sidecar CPU per event (process CPU over the drain, start-up included)",
                                String.format("%.2f µs", cpuNative / 1000.0 / backlog), ""});
                        rows.add(new String[] {"native reader: PostgreSQL walsender CPU per event (decode and send)",
                                String.format("%.2f µs", walsenderNative / 1000.0 / backlog), ""});
                        rows.add(new String[] {"share of the drain spent in the sink (coalesce + upsert + commit)",
                                String.format("%.0f %% (%,d batches, %,d lookup rows changed)", 100.0 * stats.writeNanos() / (tEnd - tStream), stats.batches(), stats.rowsChanged()), ""});
                        rows.add(new String[] {"lookupkeeper drain incl. engine start-up", fmt(drainWithStart) + " events/s", String.format("%.2f", drainWithStart / peakRate)});
                        stats.lagInterval();
                        rows.add(lagRun(conn, partitions, stats, lagRate, 7));
                        if (lagRate != STEADY_RATE) {
                            rows.add(lagRun(conn, partitions, stats, STEADY_RATE, 8));
                        }
                    }
                    rows.add(new String[] {"in-process run above: peak heap used (JVM default heap, lazy GC)", mb(peakHeap()) + " MB", ""});
                    ConnectionSettings unix = UnixSocket.of(c, conn);
                    if (unix != null) {
                        out.println("unix socket run: the same backlog from the slot's copy, native reader over " + unix.socketPath() + "...");
                        double[] u = CopyDrain.run(c, settings.withConnection(unix), backlog, StreamSource.PGOUTPUT, CopyDrain.UNIX_SOCKET_SLOT);
                        rows.add(new String[] {"lookupkeeper drain, native reader over the Unix-domain socket (same backlog and sink)",
                                fmt(u[0]) + " events/s", String.format("%.2f", u[0] / peakRate)});
                        rows.add(new String[] {"over the Unix-domain socket: sidecar CPU per event (process CPU over the drain, start-up included)",
                                String.format("%.2f µs", u[1]), ""});
                        rows.add(new String[] {"over the Unix-domain socket: PostgreSQL walsender CPU per event (decode and send)",
                                String.format("%.2f µs", u[2]), ""});
                    } else {
                        Slots.dropIfInactive(c, CopyDrain.UNIX_SOCKET_SLOT);
                        out.println("unix socket run: skipped (no Unix-domain socket of the server is reachable here)");
                    }
                    out.println("debezium run: the same backlog from the slot's copy, through Debezium's embedded engine...");
                    double[] dbz = CopyDrain.run(c, settings, backlog, StreamSource.DEBEZIUM, CopyDrain.DEBEZIUM_SLOT);
                    rows.add(new String[] {"lookupkeeper drain, Debezium embedded engine (same backlog and sink)", fmt(dbz[0]) + " events/s",
                            String.format("%.2f", dbz[0] / peakRate)});
                    rows.add(new String[] {"Debezium: sidecar CPU per event (process CPU over the drain, start-up included)",
                            String.format("%.2f µs", dbz[1]), ""});
                    rows.add(new String[] {"Debezium: PostgreSQL walsender CPU per event (decode and send)", String.format("%.2f µs", dbz[2]), ""});
                    out.println("replay run: everything above again, from the replay window's start...");
                    Replayer.Report replay = new Replayer(settings, java.time.Duration.ofMinutes(30)).replay(c, Replayer.From.lsn(replayFrom), m -> { });
                    rows.add(new String[] {String.format("replay of the backlog and the lag run (%,d events, %,d row moves), engine start-up included",
                            replay.events(), replay.rowsChanged()), fmt(replay.events() / (replay.millis() / 1000.0)) + " events/s",
                            String.format("%.2f", replay.events() / (replay.millis() / 1000.0) / peakRate)});
                    out.printf("memory run: a sidecar child JVM (%s) drains another %,d-message backlog...%n", String.join(" ", sidecarJvmOptions), backlog);
                    fillBacklog(c, partitions, "memory");
                    long mark;
                    try (Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("INSERT INTO " + settings.schema() + ".watermark DEFAULT VALUES RETURNING id")) {
                        rs.next();
                        mark = rs.getLong(1);
                    }
                    ChildRun child = drainInChild(conn, settings, c, mark);
                    rows.add(new String[] {"sidecar child JVM (" + String.join(" ", sidecarJvmOptions) + ") drain, start-up included", fmt(backlog / child.seconds()) + " events/s",
                            String.format("%.2f", backlog / child.seconds() / peakRate)});
                    rows.add(new String[] {"sidecar child JVM peak RSS (VmHWM) during that drain", mb(child.peakRssBytes()) + " MB", ""});
                    rows.addAll(new SteadyLoadBenchmark(conn, settings, partitions, sidecarJvmOptions, out).run(c, STEADY_RATE, lagSeconds));
                }
                if (steadyOnly) {
                    rows.addAll(new SteadyLoadBenchmark(conn, settings, partitions, sidecarJvmOptions, out).run(c, STEADY_RATE, lagSeconds));
                }
                if (rebuildSizes.length > 0) {
                    rebuildTable = new RebuildBenchmark(conn, settings, out).run(rebuildSizes);
                }
                if (!selectSizes.isEmpty()) {
                    selectTable = new SelectBenchmark(conn, settings, selectSizes, 200, out).run();
                }
                if (insert) {
                    Switcher.dropSlot(c, settings, StreamTarget.main(settings));
                    out.printf("insert benchmark: %d rounds of %d cells x %d modes, %d s each...%n", insertRounds, 8, InsertBenchmark.Mode.values().length, insertSeconds);
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


    private record ChildRun(double seconds, long peakRssBytes) {}

    /** Runs `lookupkeeper run` as a separate JVM and waits until it applied the watermark after the backlog. */
    private ChildRun drainInChild(ConnectionSettings conn, Settings settings, Connection c, long mark) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(sidecarJvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lookupkeeper.cli.Main", "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(conn.libpqEnvironment());
        long t0 = System.nanoTime();
        Process p = pb.start();
        long peak = 0;
        try {
            while (true) {
                peak = Math.max(peak, rssOf(p.pid()));
                if (dev.lookupkeeper.pg.Watermarks.applied(c, settings, "main") >= mark) {
                    break;
                }
                if (!p.isAlive()) {
                    throw new IllegalStateException("the sidecar child exited with " + p.exitValue() + " during the drain");
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            peak = Math.max(peak, rssOf(p.pid()));
            return new ChildRun(seconds, peak);
        } finally {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Peak resident set of a process so far (VmHWM), 0 if it cannot be read. */
    private static long rssOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // process gone
        }
        return 0;
    }

    private void fillBacklog(Connection c, List<UUID> partitions, String tag) throws Exception {
        // 500-row pushes: each transaction writes one partition, rows share its created_at
        String sql = "INSERT INTO queen.messages (id, transaction_id, partition_id, payload)"
                + " SELECT gen_random_uuid(), ? || '-' || g, ?, '{\"kind\":\"bench\"}'::jsonb FROM generate_series(1, ?) g";
        int perPush = 500;
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int done = 0;
            int push = 0;
            while (done < backlog) {
                int n = Math.min(perPush, backlog - done);
                ps.setString(1, tag + "-" + push);
                ps.setObject(2, partitions.get(push % partitions.size()));
                ps.setInt(3, n);
                ps.executeUpdate();
                c.commit();
                done += n;
                push++;
            }
        } finally {
            c.setAutoCommit(true);
        }
    }

    private double rawPeekRate(Connection c, Settings s) throws Exception {
        long t = System.nanoTime();
        long n;
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_logical_slot_peek_binary_changes('bench_raw', NULL, NULL,"
                + " 'proto_version', '1', 'publication_names', ?)")) {
            ps.setString(1, s.publication());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                n = rs.getLong(1);
            }
        }
        double secs = (System.nanoTime() - t) / 1e9;
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot('bench_raw')");
        }
        out.printf("raw decode: %,d pgoutput messages (inserts plus BEGIN/COMMIT/RELATION) in %.2f s%n", n, secs);
        return backlog / secs;
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }


    private static String mb(long bytes) {
        return Long.toString(bytes / (1024 * 1024));
    }

    private static String fmt(double d) {
        return String.format("%,.0f", d);
    }

    /** Pushes at the rate for --lag-seconds and reads the lag histogram of that interval. */
    private String[] lagRun(ConnectionSettings conn, List<UUID> partitions, PipelineStats stats, int rate, long seed) throws Exception {
        out.printf("lag run: %d msg/s for %d s...%n", rate, lagSeconds);
        try (PushLoad load = new PushLoad(conn, partitions, new PushLoad.Options(4, rate, 10, 0, seed)).start()) {
            Thread.sleep(lagSeconds * 1000L);
        }
        Thread.sleep(500);
        Histogram lag = stats.lagInterval();
        return new String[] {"lag at " + rate + " msg/s, p50 / p99 / max (commit to lookup commit)",
                lag.getValueAtPercentile(50) + " / " + lag.getValueAtPercentile(99) + " / " + lag.getMaxValue() + " ms", ""};
    }

    /** The second lag run's rate, and the steady load of the CPU-per-event runs. */
    static final int STEADY_RATE = 10_000;
}
