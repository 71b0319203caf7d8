package dev.lookupkeeper.operations.check;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.CommitLevelLedger;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * verify's consistency check: what the queue's clients are promised and whether it holds — the
 * trigger's read-your-writes, eventual, strict in effect or failed open, the queue's commit levels —
 * and, before all of that, the one state in which the database itself stalls: strict's name in
 * synchronous_standby_names with no stream of it connected. Warnings only: the lookup may be right.
 */
final class ConsistencyCheck {
    private final Settings settings;

    ConsistencyCheck(Settings settings) {
        this.settings = settings;
    }

    /** Strict consistency that failed open, or stalls the database, is reported (a warning: the lookup may still be right). */
    VerifyReport.Check check(Connection c, boolean triggerMode) throws SQLException {
        ModeStore.StrictState recorded = new ModeStore(settings).strictState(c);
        String app = recorded.applicationName() != null ? recorded.applicationName() : settings.consistency().applicationName();
        SynchronousStandbys.Standing standing = SynchronousStandbys.standing(c, app);
        if (SynchronousStandbys.names(standing.setting()).contains(app) && standing.syncState() == null) {
            // the one state in which the database itself stalls: worth more than any other consistency remark
            return result(1, "WARNING: synchronous_standby_names names " + app + " and no stream of it is"
                    + " connected: every commit that waits for a synchronous standby waits (a guard fails open within --strict-failover;"
                    + " `switch --to trigger`, `uninstall` or ALTER SYSTEM SET synchronous_standby_names = '' releases them)");
        }
        if (triggerMode) {
            return result(0, "trigger mode: the push's own transaction writes the lookup (a pop right after it sees it)");
        }
        if (!"strict".equals(recorded.consistency())) {
            return result(0, "eventual: a pop right after a push can miss it for the stream's lag");
        }
        if (recorded.relaxed()) {
            return result(1, "WARNING: strict consistency failed open at " + recorded.relaxedAt() + " ("
                    + recorded.relaxedReason() + "): eventual until a stream is back");
        }
        List<QueueCommitLevel.Setting> levels = QueueCommitLevel.read(c, settings.connection());
        // a consumers' role install set to local is the recipe, not a mistake: named, not warned of
        List<String> consumerScopes = new CommitLevelLedger(settings).consumerRoles(c).stream()
                .filter(r -> QueueCommitLevel.CONSUMER_LEVEL.equals(QueueCommitLevel.levelOf(levels, r))).map(QueueCommitLevel::scope).toList();
        long optedOut = QueueCommitLevel.optingOut(levels).stream().filter(x -> !consumerScopes.contains(x.scope())).count();
        return result(optedOut, "strict (read-your-writes through synchronous replication);"
                + " the queue's sessions commit at " + QueueCommitLevel.describe(levels)
                + (consumerScopes.isEmpty() ? "" : "; consumers' role (install --consumer-role): "
                   + String.join(", ", consumerScopes).replace(" in database", ""))
                + (optedOut > 0 ? " — WARNING: local/off sessions do not wait for their lookup row" : ""));
    }

    /**
     * The check, passed (the lookup's correctness is the other checks' to judge).
     *
     * @param warnings how many warnings the detail carries
     */
    private static VerifyReport.Check result(long warnings, String detail) {
        return new VerifyReport.Check("consistency", true, warnings, List.of(), detail);
    }
}
