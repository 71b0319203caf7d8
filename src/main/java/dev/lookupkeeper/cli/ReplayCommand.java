package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Durations;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.operations.replay.Replayer;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import java.sql.Connection;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Re-read the log from a position the replay window still holds (see `status`) and re-apply it to the lookup,"
                + " next to the running sidecar. Restores rows behind or missing; never lowers a row (use `rebuild` for that)."
                + " Exit 7 when the window does not reach back that far.")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Start start;

    static final class Start {
        @Option(names = "--from-lsn", paramLabel = "LSN", required = true, description = "Start at this LSN, e.g. 0/16B3748")
        String lsn;

        @Option(names = "--from-time", paramLabel = "TIME", required = true,
                description = "Start at the position of this time (ISO-8601 with offset, e.g. 2026-11-27T07:00:00Z): every transaction"
                        + " committed at or after it is replayed")
        String time;
    }

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30m",
            description = "Give up when the replay has not reached the end by then (default: 30m)")
    String wait;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Replayer.From from = start.lsn != null ? Replayer.From.lsn(start.lsn) : Replayer.From.time(parseTime(start.time));
        java.time.Duration w = Durations.parse("--wait", wait);
        if (w.isZero()) {
            throw new ConfigException("--wait must be more than 0");
        }
        Settings s = db.settings();
        Replayer.Report r;
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-replay", s.connectAttempts())) {
            Preflight.requireRights(c, s, Privileges.Access.WRITE, Preflight.Slot.ALWAYS);
            r = new Replayer(s, w).replay(c, from, line -> {
                if (!json) {
                    System.err.println(line);
                }
            });
        }
        if (json) {
            System.out.println(Json.write(r));
        } else {
            System.out.printf("replay from %s to %s: %d events re-applied in %d batches, %d rows changed, %.1f s%n",
                    r.fromLsn(), r.toLsn(), r.events(), r.batches(), r.rowsChanged(), r.millis() / 1000.0);
        }
        return ExitCodes.OK;
    }

    static OffsetDateTime parseTime(String text) {
        try {
            return OffsetDateTime.parse(text.trim().replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            throw new ConfigException("--from-time '" + text + "' is not a time with an offset: use ISO-8601, e.g. 2026-11-27T07:00:00Z"
                    + " or 2026-11-27T08:00:00+01:00");
        }
    }
}
