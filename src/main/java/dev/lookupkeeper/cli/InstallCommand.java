package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.install.Installer;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Create the lookup table (only when missing), lookupkeeper's schema and the insert-only publication. Idempotent.")
final class InstallCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--mode", paramLabel = "cdc|trigger", description = "cdc (default) or trigger")
    String mode = "cdc";

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("cdc") && !mode.equals("trigger")) {
            throw new ConfigException("--mode must be cdc or trigger, not '" + mode + "'");
        }
        if (mode.equals("trigger")) {
            throw new ConfigException("--mode trigger is not available in this version yet; install in cdc mode");
        }
        Settings s = db.settings();
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-install", s.connectAttempts())) {
            Installer.Report r = new Installer(s).install(c, true);
            r.actions().forEach(a -> System.out.println("  " + a));
            System.out.println("installed (mode cdc): start `lookupkeeper run` to bootstrap the slot and stream");
        }
        return ExitCodes.OK;
    }
}
