package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.replay.Replayer;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The drain suite: a backlog drained by the native reader next to PostgreSQL's raw decode of the
 * same backlog (the ceiling), over TCP and the Unix-domain socket and through Debezium's engine
 * (each from a copy of the slot), the lag at a steady push rate, a replay of it all, a child JVM's
 * peak RSS while it drains another backlog, and the steady-load CPU per event of each source.
 */
final class DrainBenchmark {
    private final int backlog;
    private final int lagRate;
    private final int lagSeconds;
    private final List<String> sidecarJvmOptions;
    private final PrintStream out;
    /** Where the suite holds its figures against issue 16's targets (the caller prints them). */
    private Targets targets = new Targets();

    DrainBenchmark(int backlog, int lagRate, int lagSeconds, List<String> sidecarJvmOptions, PrintStream out) {
        this.backlog = backlog;
        this.lagRate = lagRate;
        this.lagSeconds = lagSeconds;
        this.sidecarJvmOptions = sidecarJvmOptions;
        this.out = out;
    }

    /** Collects the suite's target checks into {@code targets}. */
    DrainBenchmark withTargets(Targets targets) {
        this.targets = targets;
        return this;
    }

    /**
     * @param replayFrom the replay window slot's start (the copy made before the backlog), or null
     * @return table rows: measure, value, ratio to raw decode
     */
    List<String[]> run(Connection c, ConnectionSettings conn, Settings settings, List<UUID> partitions, String replayFrom) throws Exception {
        List<String[]> rows = new ArrayList<>();
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
            long walsender = SlotHolder.walsenderPid(c, settings.slot(), 2_000);
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
            targets.atLeast("drain, native reader over TCP: ≥ 200,000 events/s", drain, 200_000, "%,.0f events/s");
            rows.add(new String[] {"native reader: sidecar CPU per event (process CPU over the drain, start-up included)",
                    String.format("%.2f µs", cpuNative / 1000.0 / backlog), ""});
            rows.add(new String[] {"native reader: PostgreSQL walsender CPU per event (decode and send)",
                    String.format("%.2f µs", walsenderNative / 1000.0 / backlog), ""});
            rows.add(new String[] {"share of the drain spent in the sink (coalesce + upsert + commit)",
                    String.format("%.0f %% (%,d batches, %,d lookup rows changed)", 100.0 * stats.writeNanos() / (tEnd - tStream), stats.batches(), stats.rowsChanged()), ""});
            rows.add(new String[] {"lookupkeeper drain incl. engine start-up", fmt(drainWithStart) + " events/s", String.format("%.2f", drainWithStart / peakRate)});
            stats.lagInterval();
            rows.add(lagRun(conn, partitions, stats, lagRate, 7));
            if (lagRate != Benchmark.STEADY_RATE) {
                rows.add(lagRun(conn, partitions, stats, Benchmark.STEADY_RATE, 8));
            }
        }
        rows.add(new String[] {"in-process run above: peak heap used (JVM default heap, lazy GC)", mb(peakHeap()) + " MB", ""});
        ConnectionSettings unix = UnixSocket.of(c, conn);
        if (unix != null) {
            out.println("unix socket run: the same backlog from the slot's copy, native reader over " + unix.socketPath() + "...");
            double[] u = CopyDrain.run(c, settings.withConnection(unix), backlog, StreamSource.PGOUTPUT, CopyDrain.UNIX_SOCKET_SLOT);
            rows.add(new String[] {"lookupkeeper drain, native reader over the Unix-domain socket (same backlog and sink)",
                    fmt(u[0]) + " events/s", String.format("%.2f", u[0] / peakRate)});
            targets.atLeast("drain, native reader over the Unix-domain socket: ≥ 200,000 events/s", u[0], 200_000, "%,.0f events/s");
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
        rows.addAll(new SteadyLoadBenchmark(conn, settings, partitions, sidecarJvmOptions, out).withTargets(targets).run(c, Benchmark.STEADY_RATE, lagSeconds));
        return rows;
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
}
