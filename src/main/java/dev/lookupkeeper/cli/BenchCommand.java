package dev.lookupkeeper.cli;

import dev.lookupkeeper.bench.Benchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark on an embedded PostgreSQL: drain rate vs raw pgoutput decode, lag at a steady rate, memory. Prints a Markdown table.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--backlog", paramLabel = "N", description = "Messages in the drain backlog (default: 1000000)")
    int backlog = 1_000_000;

    @Option(names = "--lag-rate", paramLabel = "MSG/S", description = "Steady push rate of the lag run (default: 2000)")
    int lagRate = 2000;

    @Option(names = "--lag-seconds", paramLabel = "S", description = "Duration of the lag run (default: 30)")
    int lagSeconds = 30;

    @Option(names = "--sidecar-jvm-options", paramLabel = "OPTS", split = " ",
            description = "JVM options of the sidecar child in the memory run (default: the recommended \"-Xmx160m -XX:+UseSerialGC\")")
    java.util.List<String> sidecarJvmOptions = java.util.List.of("-Xmx160m", "-XX:+UseSerialGC");

    @Override
    public Integer call() throws Exception {
        new Benchmark(backlog, lagRate, lagSeconds, sidecarJvmOptions, System.out).run();
        return ExitCodes.OK;
    }
}
