package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.mode.SwitchRefusedException;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.check.Resync;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.Slots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Create the lookup table (only when missing), lookupkeeper's schema and the publication of the messages table (inserts, deletes, truncates); with --mode trigger"
                + " also the statement-level trigger, then backfill. Idempotent.")
final class InstallCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--mode", paramLabel = "cdc|trigger", description = "cdc (default) or trigger")
    String mode = "cdc";

    @Option(names = "--consistency", paramLabel = "eventual|strict",
            description = "strict: also prepare read-your-writes consistency (PostgreSQL 15+): checks the role may manage"
                    + " synchronous_standby_names, creates the position-note sequences, and names the sidecar's walsender there when it"
                    + " streams already (else `run --consistency strict` does once its stream is live); prints the statements when the"
                    + " role may not (default: eventual)")
    String consistency;

    @Option(names = "--queue-role", paramLabel = "ROLE",
            description = "With --consistency strict: the queue's role, whose sessions are set to commit with synchronous_commit ="
                    + " remote_apply in this database (default: every role, ALTER DATABASE)")
    String queueRole;

    @Option(names = "--consumer-role", paramLabel = "ROLE",
            description = "With --consistency strict: a role the queue's consumers use and that does not push; its sessions are set"
                    + " to commit with synchronous_commit = local in this database, so its leases and acks do not wait for the sidecar"
                    + " (uninstall takes it back)")
    String consumerRole;

    @Option(names = "--application-name", paramLabel = "NAME", description = "The sidecar's replication application_name (default: the slot name)")
    String applicationName;

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("cdc") && !mode.equals("trigger")) {
            throw new ConfigException("--mode must be cdc or trigger, not '" + mode + "'");
        }
        DbOptions.put(db.extra, "consistency", consistency);
        DbOptions.put(db.extra, "application-name", applicationName);
        Settings s = db.settings();
        if (s.consistency().strict() && mode.equals("trigger")) {
            throw new ConfigException("--consistency strict is for CDC mode: a trigger is read-your-writes already");
        }
        if (queueRole != null && !s.consistency().strict()) {
            throw new ConfigException("--queue-role sets the queue's commit level for --consistency strict: give both, or neither");
        }
        if (queueRole != null) {
            Identifiers.validate("--queue-role", queueRole);
        }
        if (consumerRole != null) {
            if (!s.consistency().strict()) {
                throw new ConfigException("--consumer-role sets the consumers' commit level for --consistency strict: give both, or neither");
            }
            Identifiers.validate("--consumer-role", consumerRole);
            if (consumerRole.equals(queueRole)) {
                throw new ConfigException("--consumer-role " + consumerRole + " is also --queue-role: a role that pushes must wait for"
                        + " its lookup row (remote_apply); give consumers a role of their own");
            }
        }
        boolean trigger = mode.equals("trigger");
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-install", s.connectAttempts())) {
            requireRoles(c);
            Installer.Report r = new Installer(s).install(c, !trigger);
            r.actions().forEach(a -> System.out.println("  " + a));
            ModeStore store = new ModeStore(s);
            ModeStore.ModeState st = store.read(c);
            if (st.switching()) {
                throw new SwitchRefusedException("a switch to " + st.switchTarget() + " is in progress: finish it with `switch --resume`");
            }
            if (trigger && !"trigger".equals(st.mode())) {
                if (Slots.present(c, s.slot())) {
                    throw new SwitchRefusedException("this database runs in CDC mode (slot " + s.slot() + " exists): use `switch --to trigger`");
                }
                store.setMode(c, "trigger");
            } else if (!trigger && adoptQueuesTrigger(c, s, store, st)) {
                System.out.println("  the queue's own trigger keeps partition_lookup: adopted as trigger mode; start `lookupkeeper run`,"
                        + " then `lookupkeeper switch --to cdc` moves to CDC mode under load with no stale window");
            } else if (!trigger && "trigger".equals(st.mode())) {
                System.out.println("  mode stays trigger: use `switch --to cdc` to move to CDC mode");
            }
            if (trigger) {
                // the seed's rule: the trigger first, then the backfill, so there is no gap
                boolean created = new TriggerMode(s).create(c);
                System.out.println("  trigger lookupkeeper_partition_lookup: " + (created ? "created" : "exists"));
                Resync.Result rs = new Resync(s).run(c, false);
                System.out.printf("  backfill: %d rows inserted, %d advanced, %d unchanged%n", rs.inserted(), rs.advanced(), rs.unchanged());
            }
            if (s.consistency().strict()) {
                StrictSetup.print(c, s, store, queueRole, consumerRole);
            }
            System.out.println("installed (mode " + store.read(c).mode() + "): start `lookupkeeper run`"
                    + (trigger ? " to serve; it streams nothing in trigger mode" : " to bootstrap the slot and stream"));
        }
        return ExitCodes.OK;
    }

    /** The roles named on the command line exist: checked before anything is written. */
    private void requireRoles(Connection c) throws SQLException {
        for (String[] named : new String[][] {{"--queue-role", queueRole}, {"--consumer-role", consumerRole}}) {
            if (named[1] == null) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                ps.setString(1, named[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ConfigException(named[0] + " " + named[1] + ": no such role on this server; nothing was changed");
                    }
                }
            }
        }
        if (consumerRole != null && QueueCommitLevel.STRICT_LEVEL.equals(QueueCommitLevel.levelOf(QueueCommitLevel.read(c), consumerRole))) {
            throw new ConfigException("--consumer-role " + consumerRole + " commits at " + QueueCommitLevel.STRICT_LEVEL
                    + " in this database (the queue's role: its pushes wait for their lookup row); give consumers a role of their own;"
                    + " nothing was changed");
        }
    }

    /**
     * A database whose lookup the queue's own trigger keeps (Queen 0.6.9), where lookupkeeper has
     * not streamed yet: it is in trigger mode in all but name. Recording it so makes `switch --to cdc`
     * the way over — slot first, overlap, then the queue's trigger dropped — instead of a second writer.
     */
    private static boolean adoptQueuesTrigger(Connection c, Settings s, ModeStore store, ModeStore.ModeState st) throws Exception {
        if (!"cdc".equals(st.mode()) || Slots.present(c, s.slot())) {
            return false;
        }
        if (new dev.lookupkeeper.mode.QueueTriggers(s).find(c).stream().noneMatch(dev.lookupkeeper.mode.QueueTriggers.Found::enabled)) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT bootstrap_status FROM " + dev.lookupkeeper.config.Identifiers.quote(s.schema())
                + ".streams WHERE stream = 'main'")) {
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && !"pending".equals(rs.getString(1))) {
                    return false;
                }
            }
        }
        store.setMode(c, "trigger");
        return true;
    }

}
