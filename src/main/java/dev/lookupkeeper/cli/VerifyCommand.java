package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.operations.check.ParityCheck;
import dev.lookupkeeper.operations.check.Verifier;
import dev.lookupkeeper.operations.check.VerifyReport;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.PgErrors;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import dev.lookupkeeper.sidecar.CdcPipeline;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare the lookup with the truth from the messages table at a point the stream has passed. Exit 0 pass, 1 fail, 2 cannot run.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverters.Seconds.class, description = "How long to wait for the stream to pass the verify point: 30s, 2m, or seconds (default: 30s)")
    Duration waitFor = Duration.ofSeconds(30);

    @Option(names = "--limit", paramLabel = "N", description = "Partitions named per failing check (default: 20)")
    int limit = 20;

    @Option(names = "--parity", description = "Compare the shadow table (`run --shadow`) with the trigger's table instead")
    boolean parity;

    @Override
    public Integer call() {
        VerifyReport report;
        try {
            Settings s = db.settings();
            try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-verify", s.connectAttempts())) {
                Preflight.requireRights(c, s, Privileges.Access.WRITE, Preflight.Slot.NEVER);
                Duration wait = waitFor.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : waitFor;
                report = parity ? new ParityCheck(s, Math.max(1, limit)).verify(c, wait) : new Verifier(s, Math.max(1, limit)).verify(c, wait);
            }
        } catch (SQLException e) {
            System.err.println("lookupkeeper verify: cannot run: " + PgErrors.brief(e));
            return ExitCodes.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.USAGE;
        } catch (RuntimeException e) {
            System.err.println("lookupkeeper verify: cannot run: " + CdcPipeline.rootMessage(e));
            return ExitCodes.USAGE;
        }
        print(report, System.out, json);
        return report.passed() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }

    static void print(VerifyReport report, PrintStream out, boolean json) {
        if (json) {
            out.println(Json.write(report));
            return;
        }
        out.println("verify: " + (report.passed() ? "PASS" : "FAIL") + " (" + report.point() + ")");
        for (VerifyReport.Check c : report.checks()) {
            out.printf("  %s %-8s %6d  %s%n", c.passed() ? "✓" : "✗", c.name(), c.count(), c.detail());
            for (String p : c.partitions()) {
                out.println("        " + p);
            }
            if (!c.partitions().isEmpty() && c.count() > c.partitions().size()) {
                out.println("        ... and " + (c.count() - c.partitions().size()) + " more");
            }
        }
    }
}
