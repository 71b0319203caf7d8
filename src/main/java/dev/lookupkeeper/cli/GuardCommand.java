package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.sidecar.OrphanGuard;
import dev.lookupkeeper.sidecar.StrictGuard;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "guard", mixinStandardHelpOptions = true,
        description = "Strict consistency's watchdog, without streaming: when synchronous_standby_names names the sidecar and no stream"
                + " of that name runs for --strict-failover, relax it so commits stop waiting (fail open). `run --consistency strict`"
                + " starts one for itself (--parent-pid); run it on another host to guard a sidecar that has no standby.")
final class GuardCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--application-name", paramLabel = "NAME", description = "The sidecar's replication application_name (default: the slot name)")
    String applicationName;

    @Option(names = "--strict-failover", paramLabel = "DURATION", description = "How long commits may wait for a missing stream (default: 10s)")
    String strictFailover;

    @Option(names = "--parent-pid", paramLabel = "PID", description = "Stay idle while this process lives, guard once it is gone, then exit")
    Long parentPid;

    @Override
    public Integer call() throws Exception {
        DbOptions.put(db.extra, "application-name", applicationName);
        DbOptions.put(db.extra, "strict-failover", strictFailover);
        DbOptions.put(db.extra, "consistency", "strict");
        Settings s = db.settings();
        if (parentPid != null) {
            OrphanGuard.watch(s, parentPid);
            return ExitCodes.OK;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTerminate(stop::countDown);
        try (StrictGuard guard = new StrictGuard(s, new Metrics(new PipelineStats()), () -> false)) {
            guard.start();
            stop.await();
        }
        return ExitCodes.OK;
    }
}
