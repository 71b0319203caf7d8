package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Whether the server has a replication slot and a walsender left for this sidecar. */
public final class ReplicationCapacity {
    private ReplicationCapacity() {}

    public static List<String> problems(Connection c, Settings s) throws SQLException {
        List<String> out = new ArrayList<>();
        Slots.Capacity room = Slots.capacity(c, s.slot());
        if (!room.slotExists() && room.slots() >= room.maxSlots()) {
            out.add("all " + room.maxSlots() + " replication slots are in use (max_replication_slots): raise it (needs a restart)"
                    + " or drop an unused slot (SELECT slot_name, active FROM pg_replication_slots)");
        }
        if (room.senders() >= room.maxSenders()) {
            out.add("all " + room.maxSenders() + " walsenders are busy (max_wal_senders): raise it (needs a restart) or stop an unused"
                    + " replication client (SELECT application_name FROM pg_stat_replication)");
        }
        return out;
    }
}
