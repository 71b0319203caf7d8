package dev.lookupkeeper.cli;

import dev.lookupkeeper.bench.Benchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark on an embedded PostgreSQL: drain rate vs raw pgoutput decode, lag at a steady rate, memory, and write-path"
                + " throughput with no maintenance vs trigger vs CDC. Prints Markdown tables.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--backlog", paramLabel = "N", description = "Messages in the drain backlog (default: 1000000)")
    int backlog = 1_000_000;

    @Option(names = "--lag-rate", paramLabel = "MSG/S", description = "Steady push rate of the lag run (default: 2000)")
    int lagRate = 2000;

    @Option(names = "--lag-seconds", paramLabel = "DURATION", converter = DurationConverters.Seconds.class, description = "Duration of the lag run: 30s, 2m, or seconds (default: 30s)")
    java.time.Duration lagDuration = java.time.Duration.ofSeconds(30);

    @Option(names = "--sidecar-jvm-options", paramLabel = "OPTS", split = " ",
            description = "JVM options of the sidecar child in the memory run (default: the recommended \"-Xmx160m -XX:+UseSerialGC\")")
    java.util.List<String> sidecarJvmOptions = java.util.List.of("-Xmx160m", "-XX:+UseSerialGC");

    @Option(names = "--suite", paramLabel = "all|drain|insert|select|rebuild|steady",
            description = "drain: drain, lag, memory and steady-load CPU per event; insert: write-path throughput with no maintenance vs"
                    + " trigger vs CDC; select: selection latency at growing queue sizes and the model's heap; rebuild: rebuild time and push"
                    + " latency; steady: only the steady-load CPU per event of each source (default: all)")
    String suite = "all";

    @Option(names = "--select-sizes", paramLabel = "N,N,...", split = ",", description = "Queue sizes of the selection benchmark (default: 100,10000,100000)")
    java.util.List<Integer> selectSizes = java.util.List.of(100, 10_000, 100_000);

    @Option(names = "--insert-rounds", paramLabel = "N", description = "Interleaved rounds of the insert benchmark (default: 3)")
    int insertRounds = 3;

    @Option(names = "--insert-seconds", paramLabel = "DURATION", converter = DurationConverters.Seconds.class, description = "Time per cell and mode and round: 3s, or seconds (default: 3s)")
    java.time.Duration insertDuration = java.time.Duration.ofSeconds(3);

    @Option(names = "--no-pin", description = "Insert benchmark: let PostgreSQL, writers and the sidecar share all CPUs (the sidecar then runs in this JVM)")
    boolean noPin;

    @Option(names = "--walsender-on-pg-cpu", description = "Pinned insert benchmark: keep the slot's walsender (where PostgreSQL decodes)"
            + " on PostgreSQL's CPU, as in any real deployment (the default; kept for scripts)")
    boolean walsenderOnPgCpu;

    @Option(names = "--walsender-on-sidecar-cpu", description = "Pinned insert benchmark: move the slot's walsender to the sidecar's CPU"
            + " (shows the decode's share of the cost)")
    boolean walsenderOnSidecarCpu;

    @Option(names = "--remote-receive", description = "Pinned insert benchmark: steer loopback's receive processing to the sidecar's CPU"
            + " (needs root; restored afterwards), as if sidecar and writers ran on other hosts")
    boolean remoteReceive;

    @Override
    public Integer call() throws Exception {
        int lagSeconds = (int) Math.max(1, lagDuration.toSeconds());
        int insertSeconds = (int) Math.max(1, insertDuration.toSeconds());
        if (!java.util.Set.of("all", "drain", "insert", "select", "rebuild", "steady").contains(suite) || insertRounds < 1 || insertSeconds < 1) {
            throw new dev.lookupkeeper.config.ConfigException("--suite must be all, drain, insert, select, rebuild or steady; --insert-rounds and --insert-seconds at least 1");
        }
        boolean all = suite.equals("all");
        new Benchmark(backlog, lagRate, lagSeconds, sidecarJvmOptions, all || suite.equals("drain"), all || suite.equals("insert"),
                insertRounds, insertSeconds, System.out).pin(!noPin).walsenderWithSidecar(walsenderOnSidecarCpu && !walsenderOnPgCpu).remoteReceive(remoteReceive).steadyOnly(suite.equals("steady"))
                .selectSizes(all || suite.equals("select") ? selectSizes : java.util.List.of())
                .rebuildSizes(all || suite.equals("rebuild") ? new int[][] {{1_000_000, 10_000}, {10_000_000, 100_000}} : new int[0][]).run();
        return ExitCodes.OK;
    }
}
