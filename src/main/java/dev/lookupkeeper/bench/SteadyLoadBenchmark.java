package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.pg.Slots;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * CPU per event under a steady push load, for each source side by side: `lookupkeeper run` as a
 * child JVM on a slot of its own, pushes at a fixed rate, and the CPU the child and its walsender
 * spent over the window (from /proc) divided by the messages pushed in it. The walsender's share
 * is what the database pays for the stream.
 */
final class SteadyLoadBenchmark {
    private final ConnectionSettings conn;
    private final Settings settings;
    private final List<UUID> partitions;
    private final List<String> jvmOptions;
    private final PrintStream out;

    SteadyLoadBenchmark(ConnectionSettings conn, Settings settings, List<UUID> partitions, List<String> jvmOptions, PrintStream out) {
        this.conn = conn;
        this.settings = settings;
        this.partitions = partitions;
        this.jvmOptions = jvmOptions;
        this.out = out;
    }

    /** @return table rows: measure, value, (empty) ratio */
    List<String[]> run(Connection c, int rate, int seconds) throws Exception {
        List<String[]> rows = new ArrayList<>();
        // -Dlookupkeeper.bench.steady=pgoutput,debezium narrows the variants (e.g. to profile one child);
        // pgoutput@unix: the native reader over the server's Unix-domain socket rather than TCP loopback
        String variants = System.getProperty("lookupkeeper.bench.steady", "pgoutput,pgoutput@unix,pgoutput:5ms,debezium");
        ConnectionSettings unix = UnixSocket.of(c, conn);
        for (String variant : variants.split(",")) {
            boolean viaUnix = variant.contains("@unix");
            variant = variant.replace("@unix", "");
            if (viaUnix && unix == null) {
                out.println("steady load over the Unix-domain socket: skipped (no Unix-domain socket of the server is reachable here)");
                continue;
            }
            String source = variant.split(":")[0];
            String interval = variant.contains(":") ? variant.split(":")[1] : "0";
            String label = source + (interval.equals("0") ? "" : " --min-batch-interval " + interval) + (viaUnix ? " over the Unix-domain socket" : "");
            out.printf("steady load: %s, %,d msg/s for %d s...%n", label, rate, seconds);
            String slot = "bench_steady_" + source + (viaUnix ? "_unix" : "");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lookupkeeper.cli.Main", "run", "--source", source,
                    "--slot", slot, "--replay-window", "0", "--http-port", "0", "--min-batch-interval", interval));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll((viaUnix ? unix : conn).libpqEnvironment());
            Process child = pb.start();
            try {
                long walsender = CpuPinning.slotHolderPidWithin(c, slot, 120_000);
                if (walsender < 0) {
                    throw new IllegalStateException("the " + source + " sidecar did not start streaming");
                }
                // warm-up under load (JIT), then the idle rate, then the measured window under load
                try (PushLoad warm = new PushLoad(conn, partitions, new PushLoad.Options(4, rate, 10, 0, 22)).start()) {
                    Thread.sleep(10_000);
                }
                Thread.sleep(2_000);
                long idle0 = CpuPinning.cpuNanos(child.pid());
                Thread.sleep(5_000);
                double idlePerSecond = (CpuPinning.cpuNanos(child.pid()) - idle0) / 5.0;
                try (PushLoad load = new PushLoad(conn, partitions, new PushLoad.Options(4, rate, 10, 0, 23)).start()) {
                    Thread.sleep(1000);
                    long w0 = load.written();
                    long t0 = System.nanoTime();
                    long child0 = CpuPinning.cpuNanos(child.pid());
                    long sender0 = CpuPinning.cpuNanos(walsender);
                    Thread.sleep(seconds * 1000L);
                    long events = load.written() - w0;
                    double window = (System.nanoTime() - t0) / 1e9;
                    long childCpu = CpuPinning.cpuNanos(child.pid()) - child0;
                    long senderCpu = CpuPinning.cpuNanos(walsender) - sender0;
                    rows.add(new String[] {String.format("steady %,d msg/s, %s: sidecar CPU per event (child JVM, /proc; idle %.1f %% of a core"
                            + " subtracted)", rate, label, idlePerSecond / 1e7),
                            String.format("%.2f µs (%.2f µs with idle)", (childCpu - idlePerSecond * window) / 1000.0 / events,
                                    childCpu / 1000.0 / events), ""});
                    rows.add(new String[] {String.format("steady %,d msg/s, %s: PostgreSQL walsender CPU per event", rate, label),
                            String.format("%.2f µs", senderCpu / 1000.0 / events), ""});
                }
            } finally {
                child.destroy();
                if (!child.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
                Thread.sleep(500);
                Slots.dropIfInactive(c, slot);
            }
        }
        return rows;
    }
}
