package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.mode.QueueTriggers;
import dev.lookupkeeper.pg.PgErrors;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CDC mode, on the streaming process: a trigger of the queue's own that writes the lookup (Queen
 * re-creates one at every server start) is dropped within a second with --drop-queue-trigger, or
 * reported once per appearance without it.
 */
final class QueueTriggerWatch {
    private static final Logger LOG = LoggerFactory.getLogger(QueueTriggerWatch.class);
    private static final long CHECK_MS = 1000;

    private final QueueTriggers triggers;
    private final boolean drop;
    private long lastCheckMs;
    private String reported = "";

    private final boolean strict;

    /** @param strict strict consistency: the trigger's uncommitted rows also stand in the stream's way */
    QueueTriggerWatch(QueueTriggers triggers, boolean drop, boolean strict) {
        this.triggers = triggers;
        this.drop = drop;
        this.strict = strict;
    }

    void maybeCheck(Connection c, long now) throws SQLException {
        if (now - lastCheckMs < CHECK_MS) {
            return;
        }
        lastCheckMs = now;
        List<QueueTriggers.Found> found = triggers.find(c);
        if (found.isEmpty()) {
            reported = "";
            return;
        }
        if (!drop) {
            String what = QueueTriggers.describe(found);
            if (!what.equals(reported)) {
                LOG.warn("the queue's own trigger {} writes partition_lookup on every push: the write-path cost is back, and verify fails;"
                        + (strict ? " under strict consistency a push that inserts a partition's first lookup row also blocks the stream's"
                           + " statement until the guard fails open (--strict-failover);" : "")
                        + " run with --drop-queue-trigger to drop it whenever it appears", what);
                reported = what;
            }
            return;
        }
        for (QueueTriggers.Found t : found) {
            try {
                triggers.drop(c, t);
                LOG.info("dropped the queue's trigger {} ({}): CDC mode keeps partition_lookup without a write-path trigger", t.name(), t.function());
            } catch (SQLException e) {
                // a push holding the table: the next turn tries again
                LOG.warn("could not drop the queue's trigger {} yet: {}", t.name(), PgErrors.brief(e));
            }
        }
    }
}
