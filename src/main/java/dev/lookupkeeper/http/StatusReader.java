package dev.lookupkeeper.http;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.mode.QueueTriggers;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.replay.ReplayWindow;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.QueueCommitLevel;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads everything `status` reports, in one pass of small catalog queries. */
public final class StatusReader {
    private final Settings settings;
    private final String applicationName;

    /** @param applicationName the sidecar's walsender name (null: as the sidecar recorded it, else the slot name) */
    public StatusReader(Settings settings, String applicationName) {
        this.settings = settings;
        this.applicationName = applicationName;
    }

    public StatusReader(Settings settings) {
        this(settings, null);
    }

    public StatusReport read(Connection c) throws SQLException {
        String schema = Identifiers.quote(settings.schema());
        if (!Catalog.exists(c, schema + ".state")) {
            throw new DatabaseNotReadyException("lookupkeeper is not installed in this database (no " + settings.schema()
                    + ".state): run `lookupkeeper install`");
        }
        ModeStore.ModeState st = new ModeStore(settings).read(c);
        List<StatusReport.Instance> instances = instances(c);
        StatusReport.Switch sw = st.switching()
                ? new StatusReport.Switch(st.switchTarget(), st.switchStep(), String.valueOf(st.switchStartedAt())) : null;
        TriggerMode.TriggerState ts = new TriggerMode(settings).state(c);
        StatusReport.LastBatch last = null;
        StatusReport.Held held = new StatusReport.Held(0, null, null, null);
        try (PreparedStatement ps = c.prepareStatement("SELECT last_batch_at, last_batch_lsn, applied_watermark,"
                + " to_jsonb(s) ->> 'checkpoint_lsn' FROM " + schema + ".streams s WHERE stream = 'main'"); ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                last = new StatusReport.LastBatch(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4));
            }
        }
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(settings).get("status/held.sql")); ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                double seconds = rs.getDouble(3);
                Double waited = rs.wasNull() ? null : seconds;
                held = new StatusReport.Held(rs.getInt(1), rs.getString(2), waited, rs.getString(4));
            }
        }
        long rows = 0;
        if (Catalog.exists(c, Identifiers.quote(settings.queueSchema()) + ".partition_lookup")) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + Identifiers.quote(settings.queueSchema()) + ".partition_lookup");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                rows = rs.getLong(1);
            }
        }
        return new StatusReport(st.mode(), sw, slot(c), publication(c),
                new StatusReport.Trigger(ts.present(), ts.enabled(), ts.statementLevel()),
                new StatusReport.Sidecar(st.sidecarSeenAt() == null ? null : st.sidecarSeenAt().toString(), st.sidecarStreaming()),
                last, rows, replay(c), consistency(c), queueTriggers(c), instances, StatusReport.leaderOf(instances), held,
                publication(c, settings.selectionPublication()), lastRebootstrap(c));
    }

    private List<StatusReport.Instance> instances(Connection c) throws SQLException {
        List<StatusReport.Instance> out = new ArrayList<>();
        if (!Catalog.exists(c, Identifiers.quote(settings.schema()) + ".instances")) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(settings).get("status/instances.sql"))) {
            ps.setString(1, dev.lookupkeeper.pg.LeaderLocks.name(settings));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double age = rs.getDouble(6);
                    long offset = rs.getLong(7);
                    Long clockOffset = rs.wasNull() ? null : offset;
                    // a row that says leader without holding the lock belongs to a process that died (or just lost its session)
                    String role = rs.getBoolean(8) ? "leader" : age < 10 && "standby".equals(rs.getString(5)) ? "standby" : "gone";
                    out.add(new StatusReport.Instance(rs.getString(1), rs.getString(2), rs.getLong(3), role, rs.getBoolean(4),
                            Math.round(age * 10) / 10.0, clockOffset));
                }
            }
        }
        return out;
    }

    private StatusReport.Consistency consistency(Connection c) throws SQLException {
        ModeStore.StrictState ss = new ModeStore(settings).strictState(c);
        String app = applicationName != null ? applicationName : ss.applicationName() != null ? ss.applicationName() : settings.slot();
        SynchronousStandbys.Standing st = SynchronousStandbys.standing(c, app);
        boolean inEffect = "strict".equals(ss.consistency()) && st.listed() && "sync".equals(st.syncState());
        List<StatusReport.QueueCommit> levels = QueueCommitLevel.read(c, settings.connection()).stream()
                .map(l -> new StatusReport.QueueCommit(l.scope(), l.value())).toList();
        return new StatusReport.Consistency(ss.consistency(), app, st.setting(), inEffect, st.syncState(), ss.relaxedAt(), ss.relaxedReason(),
                levels);
    }

    private List<StatusReport.QueueTrigger> queueTriggers(Connection c) throws SQLException {
        List<StatusReport.QueueTrigger> out = new java.util.ArrayList<>();
        for (QueueTriggers.Found f : new QueueTriggers(settings).find(c)) {
            out.add(new StatusReport.QueueTrigger(f.name(), f.function(), f.enabled()));
        }
        return out;
    }

    private StatusReport.Replay replay(Connection c) throws SQLException {
        var w = ReplayWindow.state(c, settings);
        boolean replaying = Slots.activePid(c, settings.replayingSlot()) != null;
        if (w == null) {
            return new StatusReport.Replay(settings.replaySlot(), false, null, null, null, replaying);
        }
        return new StatusReport.Replay(w.slot(), true, w.earliestLsn(), w.earliestAt() == null ? null : w.earliestAt().toString(),
                w.retainedBytes(), replaying);
    }

    private StatusReport.Slot slot(Connection c) throws SQLException {
        Slots.State s = Slots.state(c, settings.slot());
        if (s == null) {
            return new StatusReport.Slot(settings.slot(), false, false, null, null, null, null, null, null);
        }
        return new StatusReport.Slot(settings.slot(), true, s.active(), s.activePid(), s.confirmedFlushLsn(),
                s.lagBytes(), s.retainedBytes(), s.restartLsn(), s.failover());
    }

    private StatusReport.Rebootstrap lastRebootstrap(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT rebootstrapped_at, rebootstrap_reason FROM "
                + Identifiers.quote(settings.schema()) + ".streams WHERE stream = 'main' AND rebootstrapped_at IS NOT NULL")) {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new StatusReport.Rebootstrap(rs.getObject(1, java.time.OffsetDateTime.class).toString(), rs.getString(2)) : null;
            }
        } catch (SQLException e) {
            if ("42703".equals(e.getSQLState())) {
                return null; // an install from before the column: nothing recorded
            }
            throw e;
        }
    }

    private StatusReport.Publication publication(Connection c) throws SQLException {
        return publication(c, settings.publication());
    }

    /** A publication and its tables (the in-memory selection's publication, or the stream's). */
    private StatusReport.Publication publication(Connection c, String name) throws SQLException {
        List<String> tables = new ArrayList<>();
        boolean present = false;
        try (PreparedStatement ps = c.prepareStatement(SqlTemplates.of(settings).get("install/publication_tables.sql"))) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present = true;
                    if (rs.getString(4) != null) {
                        tables.add(rs.getString(4) + "." + rs.getString(5));
                    }
                }
            }
        }
        return new StatusReport.Publication(name, present, tables);
    }

}
