package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.PgErrors;
import java.sql.SQLException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of target/lookupkeeper.jar. */
@Command(name = "lookupkeeper", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keeps queen.partition_lookup correct from a logical replication slot instead of a write-path trigger.",
        subcommands = {InstallCommand.class, RunCommand.class, SwitchCommand.class, StatusCommand.class, VerifyCommand.class, ResyncCommand.class,
            SelectCommand.class, PushCommand.class, RebuildCommand.class, ReplayCommand.class,
            UninstallCommand.class, DemoCommand.class, BenchCommand.class, GuardCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done (verify: all checks passed)",
            "1:verify: a check failed",
            "2:usage or configuration error; nothing was written",
            "3:database not ready (unreachable, wal_level, privileges, missing tables, conflicting objects)",
            "4:the stream failed while running",
            "5:switch refused or timed out (the message says why; the switch can be resumed)",
            "6:run: the slot was dropped or invalidated from outside while streaming",
            "7:replay: the position is no longer retained (the message names the earliest one)"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handle);
        ConfigFileDefaults.install(cl, args);
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** One line on stderr and the exit code; a stack trace only with LOOKUPKEEPER_DEBUG=1. */
    static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        int code;
        String message;
        if (e instanceof ConfigException) {
            code = ExitCodes.USAGE;
            message = e.getMessage();
        } else if (e instanceof DatabaseNotReadyException) {
            code = ExitCodes.DATABASE_NOT_READY;
            message = e.getMessage();
        } else if (e instanceof dev.lookupkeeper.sidecar.SlotLostException) {
            code = ExitCodes.SLOT_LOST;
            message = e.getMessage();
        } else if (e instanceof dev.lookupkeeper.operations.replay.ReplayNotPossibleException) {
            code = ExitCodes.NOT_RETAINED;
            message = e.getMessage();
        } else if (e instanceof dev.lookupkeeper.mode.SwitchRefusedException) {
            code = ExitCodes.SWITCH_REFUSED;
            message = e.getMessage();
        } else if (e instanceof SQLException sql) {
            boolean connection = sql.getSQLState() != null && sql.getSQLState().startsWith("08");
            code = connection ? ExitCodes.DATABASE_NOT_READY : ExitCodes.RUNTIME_FAILURE;
            message = "PostgreSQL error: " + PgErrors.brief(sql) + (sql.getSQLState() == null ? "" : " [" + sql.getSQLState() + "]");
        } else {
            code = ExitCodes.RUNTIME_FAILURE;
            message = dev.lookupkeeper.sidecar.CdcPipeline.rootMessage(e);
        }
        cl.getErr().println("lookupkeeper " + cl.getCommandName() + ": " + message);
        if ("1".equals(System.getenv("LOOKUPKEEPER_DEBUG"))) {
            e.printStackTrace(cl.getErr());
        }
        return code;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            if (v == null) {
                try (java.io.InputStream in = Main.class.getResourceAsStream("/dev/lookupkeeper/version.properties")) {
                    if (in != null) {
                        java.util.Properties p = new java.util.Properties();
                        p.load(in);
                        v = p.getProperty("version");
                    }
                } catch (java.io.IOException e) {
                    // no version then
                }
            }
            return new String[] {"lookupkeeper " + (v == null ? "dev" : v)};
        }
    }
}
