package dev.lookupkeeper.operations.bootstrap;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.pg.PositionNotes;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pipeline.checkpoint.Checkpointer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Whether the stream's slot still continues the stored checkpoint. A slot that is gone, lost its
 * WAL (wal_status 'lost'), or is confirmed past the stored checkpoint (re-created, or advanced by
 * someone else) has a gap nobody can know: the lookup must be bootstrapped again from the table.
 */
public final class SlotCheck {
    public enum Verdict {
        /** No slot and no finished bootstrap: a first start. */
        FIRST_START,
        /** The slot continues the checkpoint. */
        CONTINUES,
        /** The slot is gone after a bootstrap had finished. */
        MISSING,
        /** The slot's WAL was removed (max_slot_wal_keep_size). */
        LOST,
        /** The slot is confirmed past the stored checkpoint. */
        AHEAD
    }

    /** @param detail one line for the log, naming positions */
    public record Result(Verdict verdict, String detail) {
        public boolean needsRebootstrap() {
            return verdict == Verdict.MISSING || verdict == Verdict.LOST || verdict == Verdict.AHEAD;
        }
    }

    private SlotCheck() {}

    public static Result check(Connection c, Settings settings, StreamTarget target) throws SQLException {
        String schema = Identifiers.quote(settings.schema());
        String status = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT bootstrap_status FROM " + schema + ".streams WHERE stream = ?")) {
            ps.setString(1, target.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    status = rs.getString(1);
                }
            }
        }
        long stored = Checkpointer.read(c, settings, target.name());
        String checkpoint = stored == 0 ? null : Lsns.format(stored);
        // strict consistency may confirm past the checkpoint positions with nothing for the lookup;
        // it notes them first (PositionNotes), so a slot confirmed up to the note is still ours
        long noted = PositionNotes.noted(c, settings, target.name());
        String accepted = checkpoint;
        if (checkpoint != null && Long.compareUnsigned(noted, Lsns.parse(checkpoint)) > 0) {
            accepted = Lsns.format(noted);
        }
        Slots.State slot = Slots.state(c, target.slot());
        if (slot == null) {
            return "done".equals(status)
                    ? new Result(Verdict.MISSING, "slot " + target.slot() + " is gone (checkpoint " + checkpoint + ")")
                    : new Result(Verdict.FIRST_START, "no slot yet");
        }
        if (slot.lost()) {
            return new Result(Verdict.LOST, "slot " + target.slot() + " lost the WAL it needed (max_slot_wal_keep_size)");
        }
        String confirmed = slot.confirmedFlushLsn();
        if (accepted != null && confirmed != null && Long.compareUnsigned(Lsns.parse(confirmed), Lsns.parse(accepted)) > 0) {
            return new Result(Verdict.AHEAD, "slot " + target.slot() + " is confirmed at " + confirmed
                    + ", past the stored checkpoint " + accepted + " (re-created or advanced by someone else)");
        }
        return new Result(Verdict.CONTINUES, "slot " + target.slot() + " at " + confirmed + ", checkpoint " + checkpoint);
    }

    /** The stored checkpoint as a 64-bit LSN, 0 when there is none yet. */
    public static long checkpoint(Connection c, Settings settings, StreamTarget target) throws SQLException {
        return Checkpointer.read(c, settings, target.name());
    }

    /** The slot's confirmed position as a 64-bit LSN, 0 when it has none. */
    public static long confirmed(Connection c, String slot) throws SQLException {
        Slots.State s = Slots.state(c, slot);
        return s == null || s.confirmedFlushLsn() == null ? 0 : Lsns.parse(s.confirmedFlushLsn());
    }
}
