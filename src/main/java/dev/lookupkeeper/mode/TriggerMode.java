package dev.lookupkeeper.mode;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.ShortLocks;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The trigger of trigger mode: install, remove, inspect. */
public final class TriggerMode {
    /** What pg_trigger says about lookupkeeper's trigger. */
    public record TriggerState(boolean present, boolean enabled, boolean statementLevel, boolean afterInsert) {
        public boolean correct() {
            return present && enabled && statementLevel && afterInsert;
        }
    }

    private final Settings settings;
    private final SqlTemplates sql;

    public TriggerMode(Settings settings) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
    }

    /** Creates (or replaces) the function, then the trigger if it is missing. Idempotent. */
    public boolean create(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql.get("trigger/create_function.sql"));
        }
        if (state(c).present()) {
            return false;
        }
        ShortLocks.execute(c, "creating the trigger", sql.get("trigger/create_trigger.sql"), 10);
        return true;
    }

    public boolean drop(Connection c) throws SQLException {
        if (!state(c).present()) {
            return false;
        }
        ShortLocks.execute(c, "dropping the trigger", sql.get("trigger/drop_trigger.sql"), 10);
        return true;
    }

    public TriggerState state(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("trigger/trigger_state.sql"))) {
            ps.setString(1, settings.queueSchema());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new TriggerState(false, false, false, false);
                }
                return new TriggerState(true, rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3) && rs.getBoolean(4));
            }
        }
    }
}
