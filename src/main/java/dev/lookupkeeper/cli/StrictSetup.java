package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.CommitLevelLedger;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** `install --consistency strict`: what it can set, and what it prints for a superuser to run. */
final class StrictSetup {
    private StrictSetup() {}

    /**
     * @param queueRole the queue's role, to set its commit level alone (null: every role in the database)
     * @param consumerRole a role that only consumes, set to commit at local (null: none)
     */
    static void print(Connection c, Settings s, ModeStore store, String queueRole, String consumerRole) throws SQLException {
        printSynchronousStandbys(c, s, store);
        CommitLevelLedger ledger = new CommitLevelLedger(s);
        printQueueCommitLevel(c, s, queueRole, ledger);
        if (consumerRole != null) {
            printConsumerCommitLevel(c, s, consumerRole, ledger);
        }
        List<String> consumers = ledger.consumerRoles(c);
        QueueCommitLevel.optingOut(QueueCommitLevel.read(c, s.connection())).forEach(x -> System.out.println(
                consumers.stream().anyMatch(r -> x.scope().equals(QueueCommitLevel.scope(r)))
                        ? "  note: synchronous_commit = " + x.value() + " for " + x.scope() + ": the consumers' role (install --consumer-role);"
                          + " a push under it would not wait for its lookup row"
                        : "  note: synchronous_commit = " + x.value() + " for " + x.scope() + ": those sessions do not wait for their lookup row"));
    }

    /**
     * A role that only leases and acks writes no message and no lookup row: at local its commits wait
     * for nothing, where at the database's remote_apply each waits for a batch of the stream.
     */
    private static void printConsumerCommitLevel(Connection c, Settings s, String role, CommitLevelLedger ledger) throws SQLException {
        String level = QueueCommitLevel.CONSUMER_LEVEL;
        String statement = QueueCommitLevel.statement(c, role, level);
        if (level.equals(QueueCommitLevel.levelOf(QueueCommitLevel.read(c), role))) {
            System.out.println("  the consumers' role " + role + " commits at " + level + " in this database already");
        } else if (setAndRecord(c, ledger, role, level)) {
            System.out.println("  " + statement + ": done (the consumers' role: its leases and acks no longer wait for the sidecar;"
                    + " new sessions)");
        } else {
            System.out.println("  the consumers' role " + role + " keeps its commit level; this role may not change it. As a superuser"
                    + " (or a role with CREATEROLE over it) run:");
            System.out.println("    " + statement + ";");
        }
        if (mayInsertMessages(c, s, role)) {
            System.out.println("  note: role " + role + " may insert into " + s.queueSchema() + ".messages: a push under it would not"
                    + " wait for its lookup row (strict's promise does not hold for it); keep pushes on a role at "
                    + QueueCommitLevel.STRICT_LEVEL);
        }
    }

    /**
     * Sets a level and records it in one transaction (ALTER DATABASE / ROLE ... SET is transactional):
     * a level set and not recorded would outlive uninstall.
     *
     * @return false when this role may not set it (nothing set, nothing recorded)
     */
    private static boolean setAndRecord(Connection c, CommitLevelLedger ledger, String role, String level) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            ledger.record(c, role, level);
            if (!QueueCommitLevel.set(c, role, level)) {
                return false; // rolled back, the record with it
            }
            c.commit();
            return true;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static boolean mayInsertMessages(Connection c, Settings s, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?, ?, 'INSERT')")) {
            ps.setString(1, role);
            ps.setString(2, Identifiers.quote(s.queueSchema()) + ".messages");
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * The queue's sessions at remote_apply: a push then waits for its lookup row to be visible, not
     * for the sidecar's own commit to be flushed as well.
     */
    private static void printQueueCommitLevel(Connection c, Settings s, String queueRole, CommitLevelLedger ledger) throws SQLException {
        List<QueueCommitLevel.Setting> now = QueueCommitLevel.read(c, s.connection());
        String wanted = QueueCommitLevel.scope(queueRole);
        boolean done = QueueCommitLevel.STRICT_LEVEL.equals(QueueCommitLevel.levelOf(now, queueRole));
        if (done) {
            System.out.println("  the queue's sessions commit at " + QueueCommitLevel.STRICT_LEVEL + " (" + wanted + ")");
        } else if (setAndRecord(c, ledger, queueRole, QueueCommitLevel.STRICT_LEVEL)) {
            System.out.println("  " + QueueCommitLevel.statement(c, queueRole) + ": done (new sessions; the queue's pooled"
                    + " connections keep their level until they reconnect)");
        } else {
            System.out.println("  the queue's sessions commit at " + QueueCommitLevel.describe(now) + "; this role may not change"
                    + " that. For pushes that wait for their lookup row only (not for its flush too), as the database's owner run:");
            System.out.println("    " + QueueCommitLevel.statement(c, queueRole) + ";");
        }
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
