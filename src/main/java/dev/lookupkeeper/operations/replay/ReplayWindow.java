package dev.lookupkeeper.operations.replay;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL never rewinds a logical slot: it resumes at the slot's confirmed position. To replay
 * from an older position, the streaming sidecar keeps a second slot (the replay slot) a window
 * behind: created as a copy of the main slot, never streamed from, advanced every few seconds to
 * the newest (LSN, time) mark that has left the window by age or by the WAL it would keep. `replay`
 * copies it and streams the copy from the requested position. The cost is WAL: the server keeps
 * what the window covers (bounded by the cap), plus catalog rows the slot's catalog_xmin holds.
 *
 * <p>Owned by the process that streams the main slot; every call is idempotent.
 */
public final class ReplayWindow {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayWindow.class);
    private static final long TICK_MS = 5_000;

    /** What status and replay show of the window; null fields when unknown. */
    public record State(String slot, String earliestLsn, OffsetDateTime earliestAt, long retainedBytes, boolean active) {}

    private final Settings settings;
    private final Duration window;
    private final long capBytes;
    private final SqlTemplates sql;
    private long lastTickMs;
    private boolean unsupported;

    /** @param window how far back a replay can reach (zero: no window, the slot is dropped) */
    public ReplayWindow(Settings settings, Duration window, long capBytes) {
        this.settings = settings;
        this.window = window;
        this.capBytes = capBytes;
        this.sql = SqlTemplates.of(settings);
    }

    /** Called by the control loop while this process streams the main slot. */
    public void maintain(Connection c, long nowMs) throws SQLException {
        if (nowMs - lastTickMs < TICK_MS) {
            return;
        }
        lastTickMs = nowMs;
        if (window.isZero()) {
            if (drop(c, settings)) {
                LOG.info("replay window off: slot {} dropped", settings.replaySlot());
            }
            return;
        }
        if (unsupported) {
            return;
        }
        if (!Slots.exists(c, settings.replaySlot())) {
            // absent, or invalidated by max_slot_wal_keep_size (then dropped): start a new window now
            if (Slots.dropIfInactive(c, settings.replaySlot())) {
                LOG.warn("replay window: slot {} was invalidated (max_slot_wal_keep_size?); starting a new window", settings.replaySlot());
            }
            if (!create(c)) {
                return;
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute(sql.get("replay/mark.sql"));
        }
        String target = advanceTarget(c);
        String at = confirmed(c, settings.replaySlot());
        if (target != null && at != null && Lsns.compare(target, at) > 0) {
            // the advance decodes the WAL between the two positions, which may take far longer than the control
            // connection's socket timeout (a long transaction held the window back, a bulk load): it gets the setup's
            int before = c.getNetworkTimeout();
            c.setNetworkTimeout(Runnable::run, (int) dev.lookupkeeper.pg.SocketTimeouts.SETUP.toMillis());
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_replication_slot_advance(?, ?::pg_lsn)")) {
                ps.setString(1, settings.replaySlot());
                ps.setString(2, target);
                ps.execute();
            } finally {
                c.setNetworkTimeout(Runnable::run, before);
            }
            at = target;
        }
        if (at != null) {
            // the mark at the slot's position stays: it dates the earliest position
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + Identifiers.quote(settings.schema())
                    + ".replay_marks WHERE lsn < ?::pg_lsn")) {
                ps.setString(1, at);
                ps.executeUpdate();
            }
        }
    }

    /** A copy of the main slot: instant (no wait for running transactions), starts where the stream stands. */
    private boolean create(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_copy_logical_replication_slot(?, ?)")) {
            ps.setString(1, settings.slot());
            ps.setString(2, settings.replaySlot());
            ps.execute();
        } catch (SQLException e) {
            if ("42883".equals(e.getSQLState())) { // PostgreSQL < 12: no slot copies
                unsupported = true;
                LOG.warn("replay window unavailable: this PostgreSQL cannot copy replication slots (needs 12+); `replay` will refuse,"
                        + " `rebuild` still works");
                return false;
            }
            throw e;
        }
        String at = confirmed(c, settings.replaySlot());
        try (PreparedStatement del = c.prepareStatement("DELETE FROM " + Identifiers.quote(settings.schema()) + ".replay_marks");
             PreparedStatement ins = c.prepareStatement("INSERT INTO " + Identifiers.quote(settings.schema())
                     + ".replay_marks (lsn, at) VALUES (?::pg_lsn, clock_timestamp()) ON CONFLICT DO NOTHING")) {
            del.executeUpdate();
            // the copy starts at the stream's confirmed position, which is no later than now: dating it now is safe
            ins.setString(1, at);
            ins.executeUpdate();
        }
        LOG.info("replay window: slot {} created at {} (keeps up to {} or {} MB of WAL)", settings.replaySlot(), at,
                window, capBytes >> 20);
        return true;
    }

    private String advanceTarget(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("replay/advance_target.sql"))) {
            ps.setDouble(1, window.toMillis() / 1000.0);
            ps.setLong(2, capBytes);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static String confirmed(Connection c, String slot) throws SQLException {
        Slots.State s = Slots.state(c, slot);
        return s == null ? null : s.confirmedFlushLsn();
    }

    /** The window as it stands, or null when there is none. */
    public static State state(Connection c, Settings settings) throws SQLException {
        if (!Catalog.exists(c, Identifiers.quote(settings.schema()) + ".replay_marks")) {
            return null;
        }
        Slots.State slot = Slots.state(c, settings.replaySlot());
        if (slot == null || slot.confirmedFlushLsn() == null) {
            return null;
        }
        // the earliest position a replay can start from is where the replay slot stands; its time
        // is that of the first mark at or after it
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(settings).get("replay/earliest_mark.sql"))) {
            ps.setString(1, slot.confirmedFlushLsn());
            try (ResultSet rs = ps.executeQuery()) {
                OffsetDateTime at = rs.next() ? rs.getObject(1, OffsetDateTime.class) : null;
                long retained = slot.retainedBytes() == null ? 0 : slot.retainedBytes();
                return new State(settings.replaySlot(), slot.confirmedFlushLsn(), at, retained, slot.active());
            }
        }
    }

    /**
     * Drops the replay slot and a replay's leftover slot (unless a replay is running), and forgets the
     * marks. For trigger mode, switches, uninstall and a window turned off: a forgotten slot retains WAL.
     *
     * @return whether a slot was dropped
     */
    public static boolean drop(Connection c, Settings settings) throws SQLException {
        boolean dropped = Slots.dropIfInactive(c, settings.replaySlot());
        if (Slots.exists(c, settings.replayingSlot())) {
            dropped |= Replayer.dropLeftover(c, settings);
        }
        if (Catalog.exists(c, Identifiers.quote(settings.schema()) + ".replay_marks")) {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM " + Identifiers.quote(settings.schema()) + ".replay_marks");
            }
        }
        return dropped;
    }
}
