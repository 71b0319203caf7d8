package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Whether the server has a replication slot and a walsender left for this sidecar. */
public final class ReplicationCapacity {
    private ReplicationCapacity() {}

    public static List<String> problems(Connection c, Settings s) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(s).get("slots/capacity.sql"))) {
            ps.setString(1, s.slot());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int maxSlots = rs.getInt(1);
                int slots = rs.getInt(2);
                boolean ours = rs.getBoolean(3);
                int maxSenders = rs.getInt(4);
                int senders = rs.getInt(5);
                if (!ours && slots >= maxSlots) {
                    out.add("all " + maxSlots + " replication slots are in use (max_replication_slots): raise it (needs a restart)"
                            + " or drop an unused slot (SELECT slot_name, active FROM pg_replication_slots)");
                }
                if (senders >= maxSenders) {
                    out.add("all " + maxSenders + " walsenders are busy (max_wal_senders): raise it (needs a restart) or stop an unused"
                            + " replication client (SELECT application_name FROM pg_stat_replication)");
                }
            }
        }
        return out;
    }
}
