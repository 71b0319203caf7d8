package dev.lookupkeeper.operations.install;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.ShortLocks;
import dev.lookupkeeper.pg.Slots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The original rollback plan done right: removes the trigger, the slots (a forgotten slot retains
 * WAL forever), the publication and lookupkeeper's schema; keeps queen.partition_lookup unless
 * asked. Refuses while a sidecar holds a slot, unless forced.
 */
public final class Uninstaller {
    private final Settings settings;

    public Uninstaller(Settings settings) {
        this.settings = settings;
    }

    public List<String> uninstall(Connection c, boolean dropTable, boolean force) throws SQLException, InterruptedException {
        List<String> actions = new ArrayList<>();
        List<StreamTarget> streams = List.of(StreamTarget.main(settings), StreamTarget.shadow(settings),
                new StreamTarget("selection", settings.selectionSlot(), ""), new StreamTarget("replay", settings.replaySlot(), ""),
                new StreamTarget("replaying", settings.replayingSlot(), ""));
        // before anything is ended or dropped: all the role lacks, in one line
        StrictLeftovers strict = StrictLeftovers.read(c, settings);
        Preflight.requireOwnership(c, settings, streams.stream().map(StreamTarget::slot).toList(), dropTable, strict.missingRight(c));
        for (StreamTarget t : streams) {
            Integer pid = Slots.activePid(c, t.slot());
            if (pid != null) {
                if (!force) {
                    throw new DatabaseNotReadyException("slot " + t.slot() + " is held by a running sidecar (server pid " + pid
                            + "): stop it first, or pass --force to end its connection");
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
                    ps.setInt(1, pid);
                    ps.execute();
                }
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (Slots.activePid(c, t.slot()) != null && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                actions.add("ended the sidecar connection holding slot " + t.slot());
            }
        }
        // the sidecars' connections are ended: commits stuck on a name nothing streams under go first
        actions.addAll(strict.releaseStandbyName(c));
        if (new TriggerMode(settings).drop(c)) {
            actions.add("trigger dropped");
        }
        for (StreamTarget t : streams) {
            if (Slots.dropIfInactive(c, t.slot())) {
                actions.add("slot " + t.slot() + " dropped");
            }
        }
        try (var st = c.createStatement()) {
            for (String pub : List.of(settings.publication(), settings.selectionPublication())) {
                if (exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", pub)) {
                    st.execute("DROP PUBLICATION IF EXISTS " + Identifiers.quote(pub));
                    actions.add("publication " + pub + " dropped");
                }
            }
            if (exists(c, "SELECT 1 FROM pg_namespace WHERE nspname = ?", settings.schema())) {
                st.execute("DROP SCHEMA IF EXISTS " + Identifiers.quote(settings.schema()) + " CASCADE");
                actions.add("schema " + settings.schema() + " dropped");
            }
        }
        // once more, should a sidecar ended by --force (or a standby) have streamed again meanwhile: with
        // the schema gone none can any more
        actions.addAll(strict.releaseStandbyName(c));
        actions.addAll(strict.resetLevels(c));
        if (dropTable) {
            ShortLocks.execute(c, "dropping the lookup table", "DROP TABLE IF EXISTS " + Identifiers.quote(settings.queueSchema()) + ".partition_lookup", 10);
            actions.add("table " + settings.queueSchema() + ".partition_lookup dropped");
        } else {
            actions.add("table " + settings.queueSchema() + ".partition_lookup kept (--drop-table removes it)");
        }
        return actions;
    }



    private static boolean exists(Connection c, String q, String p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(q)) {
            ps.setString(1, p);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
