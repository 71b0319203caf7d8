package dev.lookupkeeper.operations.install;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.CommitLevelLedger;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What strict consistency leaves outside lookupkeeper's schema, for uninstall to take back:
 * synchronous_standby_names naming the sidecar's walsender alone — with nothing streaming under
 * that name any more, every commit that waits for a synchronous standby would wait for ever, the
 * guard that fails open being gone with the sidecar — and the commit levels install set for the
 * queue's sessions (its ledger says which; a level someone else set stays). Read before the schema
 * is dropped. The name goes before anything takes a lock on the messages table: a push waiting for
 * the standby holds its lock, and DDL there would wait behind it for ever. `switch --to trigger`
 * releases the name too (the trigger gives read-your-writes itself), and keeps the levels for a
 * way back to strict.
 */
public final class StrictLeftovers {
    private final String applicationName;
    private final boolean namesOurs;
    private final List<CommitLevelLedger.Entry> levels;

    private StrictLeftovers(String applicationName, boolean namesOurs, List<CommitLevelLedger.Entry> levels) {
        this.applicationName = applicationName;
        this.namesOurs = namesOurs;
        this.levels = levels;
    }

    public static StrictLeftovers read(Connection c, Settings s) throws SQLException {
        String app = s.consistency().applicationName();
        boolean readable = schemaReadable(c, s.schema()); // a role that may not read it is refused by uninstall's own checks
        if (readable && Catalog.exists(c, Identifiers.quote(s.schema()) + ".state")) {
            String recorded = recordedApplicationName(c, s);
            if (recorded != null) {
                app = recorded; // the name a strict install or run used (--application-name)
            }
        }
        boolean ours = SynchronousStandbys.names(SynchronousStandbys.setting(c)).equals(List.of(app));
        return new StrictLeftovers(app, ours, readable ? new CommitLevelLedger(s).read(c) : List.of());
    }

    /**
     * The application_name strict recorded, or null: none, or a state table from before strict (no
     * such column) or that this role may not read — uninstall's own checks speak for the rights.
     */
    private static String recordedApplicationName(Connection c, Settings s) throws SQLException {
        boolean auto = c.getAutoCommit();
        try {
            return new ModeStore(s).strictState(c).applicationName();
        } catch (SQLException e) {
            if (!"42703".equals(e.getSQLState()) && !"42501".equals(e.getSQLState())) {
                throw e;
            }
            if (!auto) {
                c.rollback();
            }
            return null;
        }
    }

    private static boolean schemaReadable(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** What this role lacks to take the leftovers back that must go, or null. */
    String missingRight(Connection c) throws SQLException {
        if (!namesOurs || SynchronousStandbys.mayAlter(c)) {
            return null;
        }
        String user = c.getMetaData().getUserName();
        return "the right to change synchronous_standby_names (it names lookupkeeper's walsender \"" + applicationName
                + "\": left so, commits would wait for a stream that is gone; as a superuser run "
                + String.join(" ", SynchronousStandbys.grantStatements(user)) + ")";
    }

    /**
     * Removes the sidecar's name from synchronous_standby_names where it is (still) the only one and
     * nothing streams under it: the commits waiting for it return, as when the sidecar's guard fails
     * open. One line of what was done or left; none when the name is not there or a stream has it.
     */
    public List<String> releaseStandbyName(Connection c) throws SQLException {
        List<String> actions = new ArrayList<>();
        if (SynchronousStandbys.names(SynchronousStandbys.setting(c)).equals(List.of(applicationName))) {
            if (SynchronousStandbys.standing(c, applicationName).streaming()) {
                return actions; // not left over: a sidecar streams under the name (in trigger mode its guard takes it away)
            } else if (SynchronousStandbys.relax(c)) {
                actions.add("synchronous_standby_names: \"" + applicationName + "\" removed (commits no longer wait for a sidecar)");
            } else {
                actions.add("synchronous_standby_names still names \"" + applicationName + "\" (this role may not change it): as a"
                        + " superuser run ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf();");
            }
        }
        return actions;
    }

    /**
     * The commit levels install set, taken back where they are still what it set; one line per
     * level done or left.
     */
    List<String> resetLevels(Connection c) throws SQLException {
        List<String> actions = new ArrayList<>();
        List<QueueCommitLevel.Setting> now = QueueCommitLevel.read(c);
        for (CommitLevelLedger.Entry e : levels) {
            String scope = QueueCommitLevel.scope(e.role());
            String level = QueueCommitLevel.levelOf(now, e.role());
            if (level == null) {
                continue; // reset already (an uninstall that stopped after it), or by the operator
            }
            if (!e.level().equals(level)) {
                actions.add("synchronous_commit for " + scope + " kept: changed since install set it to " + e.level());
            } else if (QueueCommitLevel.reset(c, e.role())) {
                actions.add(QueueCommitLevel.resetStatement(c, e.role()) + ": done (install had set " + e.level() + ")");
            } else {
                actions.add("synchronous_commit = " + e.level() + " for " + scope + " left (install set it; this role may not reset it):"
                        + " as the database's owner or a superuser run " + QueueCommitLevel.resetStatement(c, e.role()) + ";");
            }
        }
        return actions;
    }
}
