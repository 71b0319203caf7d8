package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.operations.switching.Switcher;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "switch", mixinStandardHelpOptions = true,
        description = "Move a live database between trigger and CDC mode with no stale window. Returns when the switch has completed;"
                + " a switch interrupted at any step resumes with --resume (or the same command).")
final class SwitchCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--to", paramLabel = "cdc|trigger", description = "Target mode")
    String to;

    @Option(names = "--resume", description = "Finish the switch in progress")
    boolean resume;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverters.Seconds.class, description = "Longest wait for one step: 90s, 5m, or seconds (default: 120s)")
    Duration timeout = Duration.ofSeconds(120);

    @Option(names = "--queue-trigger", description = "With --to trigger: restore the queue's own trigger (Queen's trg_update_partition_lookup"
            + " on its function update_partition_lookup_trigger()) instead of lookupkeeper's; give it again with --resume")
    boolean queueTrigger;

    @Option(names = "--json", description = "Print the outcome as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((to == null) == !resume) {
            throw new ConfigException("give either --to cdc|trigger or --resume");
        }
        if (to != null && !to.equals("cdc") && !to.equals("trigger")) {
            throw new ConfigException("--to must be cdc or trigger, not '" + to + "'");
        }
        if (queueTrigger && "cdc".equals(to)) {
            throw new ConfigException("--queue-trigger goes with --to trigger");
        }
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("--timeout must be at least 1 second");
        }
        Settings s = db.settings();
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-switch", s.connectAttempts())) {
            Preflight.requireRights(c, s, Privileges.Access.WRITE, Preflight.Slot.ALWAYS);
            Preflight.requireSwitchRights(c, s);
            Switcher.Outcome o = new Switcher(s, timeout, line -> {
                if (!json) {
                    System.out.println("  " + line);
                }
            }, queueTrigger).run(c, to);
            if (json) {
                System.out.println(Json.write(o));
            } else if (o.alreadyThere()) {
                System.out.println("already in " + o.to() + " mode; nothing to do");
            } else {
                System.out.println("switched to " + o.to() + " mode");
            }
        }
        return ExitCodes.OK;
    }
}
