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
    /** Where the suite holds its figures against issue 16's targets (the caller prints them). */
    private Targets targets = new Targets();

    SteadyLoadBenchmark(ConnectionSettings conn, Settings settings, List<UUID> partitions, List<String> jvmOptions, PrintStream out) {
        this.conn = conn;
        this.settings = settings;
        this.partitions = partitions;
        this.jvmOptions = jvmOptions;
        this.out = out;
    }

    /** Collects the suite's target checks into {@code targets}. */
    SteadyLoadBenchmark withTargets(Targets targets) {
        this.targets = targets;
        return this;
    }

    /** @return table rows: measure, value, (empty) ratio */
    List<String[]> run(Connection c, int rate, int seconds) throws Exception {
        List<String[]> rows = new ArrayList<>();
        // -Dlookupkeeper.bench.steady=pgoutput,debezium narrows the variants (e.g. to profile one child);
        // pgoutput@unix: the native reader over the server's Unix-domain socket rather than TCP loopback;
        // pg_recvlogical: PostgreSQL's own client on the same publication, writing to /dev/null (the floor
        // any client of the walsender can reach at this load)
        String variants = System.getProperty("lookupkeeper.bench.steady", "pgoutput,pgoutput@unix,pgoutput:5ms,pg_recvlogical@unix,debezium");
        ConnectionSettings unix = UnixSocket.of(c, conn);
        for (String variant : variants.split(",")) {
            boolean viaUnix = variant.contains("@unix");
            variant = variant.replace("@unix", "");
            if (viaUnix && unix == null) {
                out.println("steady load over the Unix-domain socket: skipped (no Unix-domain socket of the server is reachable here)");
                continue;
            }
            ConnectionSettings target = viaUnix ? unix : conn;
            String source = variant.split(":")[0];
            String interval = variant.contains(":") ? variant.split(":")[1] : "0";
            String transport = viaUnix ? " over the Unix-domain socket" : "";
            String slot = "bench_steady_" + source + (viaUnix ? "_unix" : "");
            String label;
            ProcessBuilder pb;
            boolean client = source.equals("pg_recvlogical");
            if (client) {
                Path recvLogical = RecvLogical.find();
                if (recvLogical == null) {
                    out.println("steady load with pg_recvlogical: skipped (" + RecvLogical.WHERE + ")");
                    continue;
                }
                RecvLogical.freshSlot(c, slot);
                label = "pg_recvlogical (PostgreSQL's own client, output to /dev/null)" + transport;
                pb = RecvLogical.process(recvLogical, target, slot, settings.publication(), null);
            } else {
                label = source + (interval.equals("0") ? "" : " --min-batch-interval " + interval) + transport;
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
                cmd.addAll(jvmOptions);
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lookupkeeper.cli.Main", "run", "--source", source,
                        "--slot", slot, "--replay-window", "0", "--http-port", "0", "--min-batch-interval", interval));
                pb = new ProcessBuilder(cmd);
                pb.environment().putAll(target.libpqEnvironment());
            }
            out.printf("steady load: %s, %,d msg/s for %d s...%n", label, rate, seconds);
            Path log = java.nio.file.Files.createTempFile("lookupkeeper-steady-", ".log");
            Process child = null;
            try {
                child = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (client) {
                    RecvLogical.awaitStreaming(c, slot, child); // fails at once if it exits
                }
                long walsender = SlotHolder.walsenderPid(c, slot, 120_000);
                if (walsender < 0) {
                    List<String> said = java.nio.file.Files.readAllLines(log);
                    throw new IllegalStateException("the " + source + " client did not start streaming"
                            + (said.isEmpty() ? "" : "; it said: " + said.get(said.size() - 1)));
                }
                rows.addAll(measure(child, walsender, rate, seconds, label, client ? "client" : "sidecar"));
            } finally {
                if (child != null) {
                    RecvLogical.stop(child);
                }
                Thread.sleep(500);
                Slots.dropIfInactive(c, slot);
                java.nio.file.Files.deleteIfExists(log);
            }
        }
        return rows;
    }

    /** Warm-up under load (JIT), the child's idle rate, then the measured window under load. */
    /** @param who what the child is, for the table: "sidecar" or "client" */
    private List<String[]> measure(Process child, long walsender, int rate, int seconds, String label, String who) throws Exception {
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
            if (who.equals("sidecar")) {
                targets.atMost(String.format(java.util.Locale.ROOT, "steady %,d msg/s, %s: walsender CPU per event ≤ 8 µs", rate, label), senderCpu / 1000.0 / events, 8,
                        "%.2f µs");
            }
            return List.of(
                    new String[] {String.format("steady %,d msg/s, %s: %s CPU per event (child process, /proc; idle %.1f %% of a core"
                            + " subtracted)", rate, label, who, idlePerSecond / 1e7),
                            String.format("%.2f µs (%.2f µs with idle)", (childCpu - idlePerSecond * window) / 1000.0 / events,
                                    childCpu / 1000.0 / events), ""},
                    new String[] {String.format("steady %,d msg/s, %s: PostgreSQL walsender CPU per event", rate, label),
                            String.format("%.2f µs", senderCpu / 1000.0 / events), ""});
        }
    }
}
