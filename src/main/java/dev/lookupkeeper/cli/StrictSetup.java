package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** `install --consistency strict`: what it can set, and what it prints for a superuser to run. */
final class StrictSetup {
    private StrictSetup() {}

    static void print(Connection c, Settings s, ModeStore store) throws SQLException {
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
