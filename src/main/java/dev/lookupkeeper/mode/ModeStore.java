package dev.lookupkeeper.mode;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/** The one row of lookupkeeper.state: the mode the sidecar follows and any switch in progress. */
public final class ModeStore {
    /** A snapshot of the state row. */
    public record ModeState(String mode, String switchTarget, String switchStep, Long switchWatermark,
                            Instant switchStartedAt, Instant sidecarSeenAt, boolean sidecarStreaming) {
        public boolean switching() {
            return switchTarget != null;
        }

        /** A sidecar reported within the bound. */
        public boolean sidecarAlive(java.time.Duration bound) {
            return sidecarSeenAt != null && sidecarSeenAt.isAfter(Instant.now().minus(bound));
        }
    }

    private final String table;

    public ModeStore(Settings settings) {
        this.table = Identifiers.quote(settings.schema()) + ".state";
    }

    public ModeState read(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT mode, switch_target, switch_step, switch_watermark, switch_started_at,"
                + " sidecar_seen_at, sidecar_streaming FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new DatabaseNotReadyException("lookupkeeper's state row is missing: run `lookupkeeper install`");
            }
            long wm = rs.getLong(4);
            Long watermark = rs.wasNull() ? null : wm;
            return new ModeState(rs.getString(1), rs.getString(2), rs.getString(3), watermark,
                    instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)), rs.getBoolean(7));
        }
    }

    /** The stored mode, or cdc where nothing is installed yet (what `install` then sets up). */
    public String modeOrCdc(Connection c) throws SQLException {
        return Catalog.exists(c, table) ? read(c).mode() : "cdc";
    }

    public void setMode(Connection c, String mode) throws SQLException {
        update(c, "mode = ?", mode);
    }

    public void beginSwitch(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET switch_target = ?, switch_step = 'begin',"
                + " switch_watermark = NULL, switch_started_at = now(), updated_at = now()")) {
            ps.setString(1, target);
            ps.executeUpdate();
        }
    }

    public void setStep(Connection c, String step) throws SQLException {
        update(c, "switch_step = ?", step);
    }

    public void setSwitchWatermark(Connection c, long watermark) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET switch_watermark = ?, updated_at = now()")) {
            ps.setLong(1, watermark);
            ps.executeUpdate();
        }
    }

    /** Ends a switch: the target mode is now the mode. */
    public void finishSwitch(Connection c, String mode) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET mode = ?, switch_target = NULL, switch_step = NULL,"
                + " switch_watermark = NULL, switch_started_at = NULL, updated_at = now()")) {
            ps.setString(1, mode);
            ps.executeUpdate();
        }
    }

    /** The sidecar's sign of life, every poll. */
    public void heartbeat(Connection c, boolean streaming) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET sidecar_seen_at = now(), sidecar_streaming = ?")) {
            ps.setBoolean(1, streaming);
            ps.executeUpdate();
        }
    }

    private void update(Connection c, String assignment, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET " + assignment + ", updated_at = now()")) {
            ps.setString(1, value);
            ps.executeUpdate();
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /** Strict consistency's record in lookupkeeper.state: what is promised, and a fail-open in effect. */
    public record StrictState(String consistency, String applicationName, String relaxedAt, String relaxedReason) {
        public boolean relaxed() {
            return relaxedAt != null;
        }
    }

    public StrictState strictState(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT consistency, application_name, strict_relaxed_at::text, strict_relaxed_reason FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new StrictState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))
                    : new StrictState("eventual", null, null, null);
        }
    }

    /** What the streaming sidecar (or install) promises, and the walsender name synchronous_standby_names lists for it. */
    public void setConsistency(Connection c, String consistency, String applicationName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET consistency = ?, application_name = ?, updated_at = now()")) {
            ps.setString(1, consistency);
            ps.setString(2, applicationName);
            ps.executeUpdate();
        }
    }

    /** Records a fail-open (reason non-null) or its end (null). */
    public void setStrictRelaxed(Connection c, String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET strict_relaxed_at = CASE WHEN ? IS NULL THEN NULL ELSE now() END,"
                + " strict_relaxed_reason = ?, updated_at = now()")) {
            ps.setString(1, reason);
            ps.setString(2, reason);
            ps.executeUpdate();
        }
    }
}
