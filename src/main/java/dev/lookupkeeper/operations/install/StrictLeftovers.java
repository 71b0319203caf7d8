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
 * is dropped, undone after the slots are.
 */
final class StrictLeftovers {
    private final String applicationName;
    private final boolean namesOurs;
    private final List<CommitLevelLedger.Entry> levels;

    private StrictLeftovers(String applicationName, boolean namesOurs, List<CommitLevelLedger.Entry> levels) {
        this.applicationName = applicationName;
        this.namesOurs = namesOurs;
        this.levels = levels;
    }

    static StrictLeftovers read(Connection c, Settings s) throws SQLException {
        String app = s.consistency().applicationName();
        boolean readable = schemaReadable(c, s.schema()); // a role that may not read it is refused by uninstall's own checks
        if (readable && Catalog.exists(c, Identifiers.quote(s.schema()) + ".state")) {
            String recorded = new ModeStore(s).strictState(c).applicationName();
            if (recorded != null) {
                app = recorded; // the name a strict install or run used (--application-name)
            }
        }
        boolean ours = SynchronousStandbys.names(SynchronousStandbys.setting(c)).equals(List.of(app));
        return new StrictLeftovers(app, ours, readable ? new CommitLevelLedger(s).read(c) : List.of());
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

    /** Takes them back; one line per thing done or left. Call once no slot of lookupkeeper's is left. */
    List<String> undo(Connection c) throws SQLException {
        List<String> actions = new ArrayList<>();
        if (namesOurs) {
            if (SynchronousStandbys.standing(c, applicationName).streaming()) {
                actions.add("synchronous_standby_names kept: another process streams as \"" + applicationName + "\"");
            } else if (SynchronousStandbys.relax(c)) {
                actions.add("synchronous_standby_names: \"" + applicationName + "\" removed (commits no longer wait for a sidecar)");
            } else {
                actions.add("synchronous_standby_names still names \"" + applicationName + "\" (this role may not change it): as a"
                        + " superuser run ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf();");
            }
        }
        List<QueueCommitLevel.Setting> now = QueueCommitLevel.read(c);
        for (CommitLevelLedger.Entry e : levels) {
            String scope = QueueCommitLevel.scope(e.role());
            if (!e.level().equals(QueueCommitLevel.levelOf(now, e.role()))) {
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
