package dev.lookupkeeper.cli;

import dev.lookupkeeper.demo.Demo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded PostgreSQL, push messages from concurrent writers, run the CDC pipeline in-process and verify the result. Exit 0 only when verify passes.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverters.Seconds.class, description = "How long the writers push: 20s, 2m, or seconds (default: 20s)")
    java.time.Duration duration = java.time.Duration.ofSeconds(20);

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions per queue; there are 3 queues (default: 1000)")
    int partitions = 1000;

    @Option(names = "--rate", paramLabel = "MSG/S", description = "Messages per second over all writers, 0 = as fast as possible (default: 2000)")
    double rate = 2000;

    @Option(names = "--writers", paramLabel = "N", description = "Concurrent writers (default: 4)")
    int writers = 4;

    @Override
    public Integer call() throws Exception {
        int durationSeconds = (int) Math.min(Integer.MAX_VALUE, (duration.toMillis() + 999) / 1000);
        if (durationSeconds < 1 || partitions < 1 || rate < 0 || writers < 1) {
            throw new dev.lookupkeeper.config.ConfigException("--duration, --partitions and --writers must be positive and --rate not negative");
        }
        boolean passed = new Demo(durationSeconds, partitions, rate, writers, System.out).run();
        return passed ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }
}
