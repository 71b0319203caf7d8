package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import dev.lookupkeeper.selection.PartitionSelector;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "select", mixinStandardHelpOptions = true,
        description = "Print the queue's selection candidates, in order, from the maintained lookup table.")
final class SelectCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--queue", required = true, paramLabel = "NAME", description = "Queue name")
    String queue;

    @Option(names = "--group", paramLabel = "NAME", description = "Consumer group (default: __QUEUE_MODE__)")
    String group;

    @Option(names = "--limit", paramLabel = "N", description = "Most candidates, any positive number (default: 100)")
    Integer limit;

    @Option(names = "--all", description = "Every candidate, however many")
    boolean all;

    @Option(names = "--json", description = "Print a JSON array of {\"id\", \"name\"}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (all && limit != null) {
            throw new ConfigException("--all and --limit exclude each other: give one");
        }
        int limit = all ? Integer.MAX_VALUE : this.limit == null ? PartitionSelector.DEFAULT_LIMIT : this.limit;
        try {
            PartitionSelector.validate(queue, group, limit);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--" + e.getMessage());
        }
        Settings s = db.settings();
        List<PartitionSelector.Candidate> list;
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-select", s.connectAttempts())) {
            Preflight.requireRights(c, s, Privileges.Access.READ_QUEUE, Preflight.Slot.NEVER);
            list = new PartitionSelector(null, s).candidates(c, queue, group, limit);
            if (list.isEmpty() && !queueExists(c, s, queue)) {
                // an empty list is an answer (nothing to pop); a queue that does not exist is likely a typo
                System.err.println("lookupkeeper select: warning: queue '" + queue + "' does not exist (no row in "
                        + s.queueSchema() + ".queues): the list is empty");
            }
        }
        if (json) {
            System.out.println(Json.write(list));
        } else {
            list.forEach(c -> System.out.println(c.id() + "  " + c.name()));
        }
        return ExitCodes.OK;
    }

    private static boolean queueExists(Connection c, Settings s, String queue) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + dev.lookupkeeper.config.Identifiers.quote(s.queueSchema())
                + ".queues WHERE name = ?")) {
            ps.setString(1, queue);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
