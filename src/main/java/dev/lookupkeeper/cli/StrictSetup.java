package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** `install --consistency strict`: what it can set, and what it prints for a superuser to run. */
final class StrictSetup {
    private StrictSetup() {}

    /** @param queueRole the queue's role, to set its commit level alone (null: every role in the database) */
    static void print(Connection c, Settings s, ModeStore store, String queueRole) throws SQLException {
        printSynchronousStandbys(c, s, store);
        printQueueCommitLevel(c, s, queueRole);
    }

    /**
     * The queue's sessions at remote_apply: a push then waits for its lookup row to be visible, not
     * for the sidecar's own commit to be flushed as well.
     */
    private static void printQueueCommitLevel(Connection c, Settings s, String queueRole) throws SQLException {
        List<QueueCommitLevel.Setting> now = QueueCommitLevel.read(c, s.connection());
        String wanted = queueRole == null ? "database" : "role " + queueRole + " in database";
        boolean done = now.stream().anyMatch(x -> x.scope().equals(wanted) && x.value().equals(QueueCommitLevel.STRICT_LEVEL));
        if (done) {
            System.out.println("  the queue's sessions commit at " + QueueCommitLevel.STRICT_LEVEL + " (" + wanted + ")");
        } else if (QueueCommitLevel.set(c, queueRole)) {
            System.out.println("  " + QueueCommitLevel.statement(c, queueRole) + ": done (new sessions; the queue's pooled"
                    + " connections keep their level until they reconnect)");
        } else {
            System.out.println("  the queue's sessions commit at " + QueueCommitLevel.describe(now) + "; this role may not change"
                    + " that. For pushes that wait for their lookup row only (not for its flush too), as the database's owner run:");
            System.out.println("    " + QueueCommitLevel.statement(c, queueRole) + ";");
        }
        QueueCommitLevel.optingOut(QueueCommitLevel.read(c, s.connection()))
                .forEach(x -> System.out.println("  note: synchronous_commit = " + x.value() + " for " + x.scope()
                        + ": those sessions do not wait for their lookup row"));
    }

    private static void printSynchronousStandbys(Connection c, Settings s, ModeStore store) throws SQLException {
        int version = c.getMetaData().getDatabaseMajorVersion();
        if (version < 15) {
            throw new DatabaseNotReadyException("--consistency strict needs PostgreSQL 15 or newer (this server is " + version + ")");
        }
        String app = s.consistency().applicationName();
        store.setConsistency(c, "strict", app);
        SynchronousStandbys.Standing st = SynchronousStandbys.standing(c, app);
        boolean may = SynchronousStandbys.mayAlter(c);
        if (!may) {
            String user;
            try (Statement q = c.createStatement(); ResultSet rs = q.executeQuery("SELECT current_user")) {
                rs.next();
                user = rs.getString(1);
            }
            System.out.println("  strict consistency: this role may not change synchronous_standby_names; `run --consistency strict`"
                    + " needs to (its guard fails open when no stream confirms commits). As a superuser run:");
            SynchronousStandbys.grantStatements(user).forEach(l -> System.out.println("    " + l));
            System.out.println("  or keep the setting by hand, once the sidecar streams:");
            SynchronousStandbys.enableStatements(app).forEach(l -> System.out.println("    " + l));
            return;
        }
        if (st.listed()) {
            System.out.println("  synchronous_standby_names: '" + st.setting() + "' (names " + app + " already)");
        } else if (!SynchronousStandbys.names(st.setting()).isEmpty()) {
            System.out.println("  synchronous_standby_names is '" + st.setting() + "', set by someone else: add \"" + app
                    + "\" to it by hand; lookupkeeper does not change a setting it did not make");
        } else if (st.streaming()) {
            SynchronousStandbys.enable(c, app);
            System.out.println("  synchronous_standby_names = " + SynchronousStandbys.valueFor(app) + " (the sidecar streams already)");
        } else {
            System.out.println("  synchronous_standby_names: `run --consistency strict` sets it to " + SynchronousStandbys.valueFor(app)
                    + " once its stream is live (set now, every commit would wait until then)");
        }
    }
}
