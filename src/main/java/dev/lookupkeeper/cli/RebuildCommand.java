package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.operations.check.Rebuild;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Make the lookup equal to the truth in both directions (rows ahead, behind, missing, extra, misfiled) while pushes"
                + " and the selection go on; every row changes in place. --dry-run prints the differences only. Safe to rerun.")
final class RebuildCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--dry-run", description = "Print the differences it would fix, change nothing")
    boolean dryRun;

    @Option(names = "--backfill-chunk", paramLabel = "N", description = "Partitions per step (default: 1000)")
    Integer chunk;

    @Option(names = "--limit", paramLabel = "N", description = "Partitions named per kind of difference (default: 10)")
    int limit = 10;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (chunk != null) {
            db.extra.put("backfill-chunk", chunk.toString());
        }
        Settings s = db.settings();
        Rebuild.Report r;
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-rebuild", s.connectAttempts())) {
            Preflight.requireRights(c, s, Privileges.Access.WRITE, Preflight.Slot.NEVER);
            long total;
            try (var st = c.createStatement();
                 var rs = st.executeQuery("SELECT count(*) FROM " + Identifiers.quote(s.queueSchema()) + ".partitions")) {
                rs.next();
                total = rs.getLong(1);
            }
            var progress = Progress.forTerminal(dryRun ? "rebuild (dry run)" : "rebuild");
            progress.start(total, 0);
            r = new Rebuild(s, Math.max(1, limit)).run(c, !dryRun, progress::step);
            progress.finish();
        }
        if (json) {
            System.out.println(Json.write(r));
            return ExitCodes.OK;
        }
        System.out.printf("rebuild%s: %d partitions, %d differences%n", dryRun ? " (dry run, nothing changed)" : "", r.partitions(), r.total());
        r.counts().forEach((d, n) -> {
            System.out.printf("  %-8s %d%n", d.name().toLowerCase(), n);
            r.samples().get(d).forEach(p -> System.out.println("      " + p));
        });
        return ExitCodes.OK;
    }
}
