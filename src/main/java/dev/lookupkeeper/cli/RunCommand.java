package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.ops.PipelineStats;
import dev.lookupkeeper.runtime.CdcPipeline;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the sidecar in the foreground: bootstrap the slot when needed, then stream inserts into the lookup. SIGTERM stops it cleanly.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    StreamOptions options;

    @Override
    public Integer call() throws Exception {
        Settings s = options.settings();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTerminate(stop::countDown);
        try (CdcPipeline pipeline = new CdcPipeline(s, new PipelineStats())) {
            pipeline.start(Progress.forTerminal("backfill"));
            Thread watcher = new Thread(() -> {
                try {
                    pipeline.awaitTermination();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                stop.countDown();
            }, "stream-watch");
            watcher.setDaemon(true);
            watcher.start();
            stop.await();
            Throwable failure = pipeline.isStreaming() ? null : pipeline.awaitTermination();
            if (failure != null) {
                System.err.println("lookupkeeper run: stream failed: " + CdcPipeline.rootMessage(failure));
                return ExitCodes.RUNTIME_FAILURE;
            }
            LOG.info("stopping: finishing the batch in flight and releasing slot {}", s.slot());
        }
        LOG.info("stopped cleanly");
        return ExitCodes.OK;
    }
}
