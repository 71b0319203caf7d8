package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.operations.check.Resync;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "resync", mixinStandardHelpOptions = true,
        description = "Repair missing and stale lookup rows with the chunked monotonic upsert; never blocks pushes.")
final class ResyncCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--phantoms", description = "Also lower phantom rows to the newest remaining message (or remove them when the partition has none)")
    boolean phantoms;

    @Option(names = "--backfill-chunk", paramLabel = "N", description = "Partitions per transaction (default: 1000)")
    Integer chunk;

    @Option(names = "--json", description = "Print the counts as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (chunk != null) {
            db.extra.put("backfill-chunk", chunk.toString());
        }
        Settings s = db.settings();
        Resync.Result r;
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-resync", s.connectAttempts())) {
            Preflight.requireRights(c, s, Privileges.Access.WRITE, Preflight.Slot.NEVER);
            r = new Resync(s).run(c, phantoms);
        }
        if (json) {
            System.out.println(Json.write(r));
        } else {
            System.out.printf("resync: %d partitions, %d rows inserted, %d advanced, %d unchanged%s%n", r.partitions(), r.inserted(),
                    r.advanced(), r.unchanged(), phantoms ? ", " + r.phantomsLowered() + " phantoms lowered, " + r.phantomsRemoved() + " removed" : "");
        }
        return ExitCodes.OK;
    }
}
