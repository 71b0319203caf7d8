package dev.lookupkeeper.cli;

import dev.lookupkeeper.bench.Benchmark;
import dev.lookupkeeper.bench.ContendedBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark on an embedded PostgreSQL: drain rate vs raw pgoutput decode, lag at a steady rate, memory, write-path"
                + " throughput with no maintenance vs trigger vs CDC, the contended regime (many clients, hot lookup rows) and one"
                + " client's push time. Prints Markdown tables, each suite ending with issue 16's targets against its own figures.")
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

    @Option(names = "--suite", paramLabel = "all|drain|insert|select|rebuild|steady|contended|latency",
            description = "drain: drain, lag, memory and steady-load CPU per event; insert: write-path throughput with no maintenance vs"
                    + " trigger vs CDC (and the walsender alone, pg_recvlogical, where installed); select: selection latency at growing queue sizes and the model's heap; rebuild: rebuild time and push"
                    + " latency; steady: only the steady-load CPU per event of each source, next to"
                    + " pg_recvlogical's (PostgreSQL's own client: the walsender's floor) where one is installed; contended: many clients pushing micro-batches"
                    + " with a round trip before the commit, none vs trigger vs CDC eventual vs CDC strict, PostgreSQL's CPU by role; latency: one client's push"
                    + " time (p50, p99) and PostgreSQL's CPU per push in each mode, split by role (pushing session, walsender, the sidecar's sessions, the rest), rounds as --insert-rounds and --insert-seconds (default: all)")
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

    @Option(names = "--contended-clients", paramLabel = "N,N,...", split = ",", description = "Contended suite: concurrent pushing clients (default: 128)")
    java.util.List<Integer> contendedClients = java.util.List.of(128);

    @Option(names = "--contended-partitions", paramLabel = "N,N,...", split = ",", description = "Contended suite: partitions pushed to (default: 100,1000)")
    java.util.List<Integer> contendedPartitions = java.util.List.of(100, 1000);

    @Option(names = "--contended-spread", paramLabel = "N,N,...", split = ",",
            description = "Contended suite: partitions per push of 20 messages (1: the 0.6.9 server's shape; 5: the queue's later micro-batches; default: 1,5)")
    java.util.List<Integer> contendedSpread = java.util.List.of(1, 5);

    @Option(names = "--contended-round-trip-ms", paramLabel = "MS,MS,...", split = ",",
            description = "Contended suite: client-side round trip between the insert and the commit (default: 0.5)")
    java.util.List<Double> contendedRoundTrip = java.util.List.of(0.5);

    @Option(names = "--contended-pops", paramLabel = "no|yes|both", description = "Contended suite: pop clients beside the pushes (default: no); with pops, strict also runs with"
            + " its pops committing at local")
    String contendedPops = "no";

    @Option(names = "--contended-rounds", paramLabel = "N", description = "Contended suite: interleaved rounds (default: 2)")
    int contendedRounds = 2;

    @Option(names = "--contended-seconds", paramLabel = "DURATION", converter = DurationConverters.Seconds.class,
            description = "Contended suite: time per cell, mode and round, after a 1.5 s warm-up (default: 5s)")
    java.time.Duration contendedDuration = java.time.Duration.ofSeconds(5);

    @Option(names = "--postgres-bin", paramLabel = "DIR", description = "Run every suite on a local PostgreSQL installation (its bin directory,"
            + " e.g. /usr/lib/postgresql/15/bin: initdb and pg_ctl, as the postgres user when run as root) instead of the bundled"
            + " PostgreSQL 17, to compare server versions")
    java.nio.file.Path postgresBin;

    @Option(names = "--fsync", paramLabel = "on|off", description = "The benchmark server's fsync: off (default; every mode's commit"
            + " then costs a write, not a flush to the disk) or on, as a production server runs — what a WAL flush costs each mode")
    String fsync = "off";

    @Option(names = "--sidecar-socket", paramLabel = "tcp|unix", description = "Insert and contended suites: the sidecar reaches the"
            + " benchmark server over TCP loopback (default) or its Unix-domain socket; the writers stay on TCP")
    String sidecarSocket = "tcp";

    @Override
    public Integer call() throws Exception {
        if (!sidecarSocket.equals("tcp") && !sidecarSocket.equals("unix")) {
            throw new dev.lookupkeeper.config.ConfigException("--sidecar-socket must be tcp or unix, not '" + sidecarSocket + "'");
        }
        if (postgresBin != null && !java.nio.file.Files.isExecutable(postgresBin.resolve("initdb"))) {
            throw new dev.lookupkeeper.config.ConfigException("--postgres-bin " + postgresBin + ": no initdb there; give a PostgreSQL bin"
                    + " directory such as /usr/lib/postgresql/15/bin");
        }
        if (!fsync.equals("on") && !fsync.equals("off")) {
            throw new dev.lookupkeeper.config.ConfigException("--fsync must be on or off, not '" + fsync + "'");
        }
        dev.lookupkeeper.bench.BenchServers.use(postgresBin, fsync.equals("on"));
        if (suite.equals("contended")) {
            runContended();
            return ExitCodes.OK;
        }
        int lagSeconds = (int) Math.max(1, lagDuration.toSeconds());
        int insertSeconds = (int) Math.max(1, insertDuration.toSeconds());
        if (suite.equals("latency") && insertRounds >= 1) {
            new dev.lookupkeeper.bench.LatencyBenchmark(insertRounds, insertSeconds, System.out).run();
            return ExitCodes.OK;
        }
        if (!java.util.Set.of("all", "drain", "insert", "select", "rebuild", "steady").contains(suite) || insertRounds < 1 || insertSeconds < 1) {
            throw new dev.lookupkeeper.config.ConfigException("--suite must be all, drain, insert, select, rebuild, steady, contended or latency;"
                    + " --insert-rounds and --insert-seconds at least 1");
        }
        boolean all = suite.equals("all");
        new Benchmark(backlog, lagRate, lagSeconds, sidecarJvmOptions, all || suite.equals("drain"), all || suite.equals("insert"),
                insertRounds, insertSeconds, System.out).pin(!noPin).walsenderWithSidecar(walsenderOnSidecarCpu && !walsenderOnPgCpu).remoteReceive(remoteReceive).sidecarOnSocket(sidecarSocket.equals("unix")).steadyOnly(suite.equals("steady"))
                .selectSizes(all || suite.equals("select") ? selectSizes : java.util.List.of())
                .rebuildSizes(all || suite.equals("rebuild") ? new int[][] {{1_000_000, 10_000}, {10_000_000, 100_000}} : new int[0][]).run();
        if (all) {
            runContended();
            new dev.lookupkeeper.bench.LatencyBenchmark(insertRounds, insertSeconds, System.out).run();
        }
        return ExitCodes.OK;
    }

    private void runContended() throws Exception {
        int seconds = (int) contendedDuration.toSeconds();
        if (!java.util.Set.of("no", "yes", "both").contains(contendedPops)) {
            throw new dev.lookupkeeper.config.ConfigException("--contended-pops must be no, yes or both, not '" + contendedPops + "'");
        }
        if (contendedRounds < 1 || seconds < 1 || contendedClients.stream().anyMatch(n -> n < 1 || n > 1000)
                || contendedPartitions.stream().anyMatch(n -> n < 1 || n > 1_000_000) || contendedSpread.stream().anyMatch(n -> n < 1 || n > 20)
                || contendedRoundTrip.stream().anyMatch(ms -> ms < 0 || ms > 1000)) {
            throw new dev.lookupkeeper.config.ConfigException("contended suite: --contended-rounds and --contended-seconds at least 1; clients"
                    + " 1..1000, partitions 1..1000000, spread 1..20 (a push has 20 messages), round trip 0..1000 ms");
        }
        java.util.List<ContendedBenchmark.Cell> cells = new java.util.ArrayList<>();
        for (int clients : contendedClients) {
            for (int partitions : contendedPartitions) {
                for (int spread : contendedSpread) {
                    for (double rtt : contendedRoundTrip) {
                        for (boolean pops : contendedPops.equals("both") ? new boolean[] {false, true} : new boolean[] {contendedPops.equals("yes")}) {
                            cells.add(new ContendedBenchmark.Cell(clients, partitions, Math.min(spread, partitions), rtt, pops));
                        }
                    }
                }
            }
        }
        new ContendedBenchmark(cells, contendedRounds, seconds, System.out).sidecarOnSocket(sidecarSocket.equals("unix")).run();
    }
}
