package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.operations.install.Uninstaller;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "uninstall", mixinStandardHelpOptions = true,
        description = "Remove the trigger, the slots, the publication and lookupkeeper's schema; keep queen.partition_lookup unless --drop-table.")
final class UninstallCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--drop-table", description = "Also drop queen.partition_lookup")
    boolean dropTable;

    @Option(names = "--force", description = "End a running sidecar's connection instead of refusing")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Settings s = db.settings();
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-uninstall", s.connectAttempts())) {
            new Uninstaller(s).uninstall(c, dropTable, force).forEach(a -> System.out.println("  " + a));
        }
        System.out.println("uninstalled");
        return ExitCodes.OK;
    }
}
