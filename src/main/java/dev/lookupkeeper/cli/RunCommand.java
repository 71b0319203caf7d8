package dev.lookupkeeper.cli;

import dev.lookupkeeper.runtime.SidecarRuntime;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the sidecar in the foreground, following the stored mode: in CDC mode bootstrap the slot when needed and stream"
                + " inserts into the lookup; in trigger mode stream nothing. SIGTERM stops it cleanly.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    StreamOptions options;

    @Option(names = "--shadow", description = "In trigger mode, stream into lookupkeeper.shadow_lookup for `verify --parity`")
    boolean shadow;

    @Override
    public Integer call() throws Exception {
        try (SidecarRuntime runtime = new SidecarRuntime(options.settings(), shadow, Progress.forTerminal("backfill"))) {
            Signals.onTerminate(runtime::stop);
            runtime.run();
        }
        LOG.info("stopped cleanly");
        return ExitCodes.OK;
    }
}
