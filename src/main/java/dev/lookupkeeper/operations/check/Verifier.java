package dev.lookupkeeper.operations.check;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.mode.QueueTriggers;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.LookupTableShape;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pg.Watermarks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the lookup's structure, the mode's objects and the data against the truth computed from
 * queen.messages. The truth is taken from one snapshot; in CDC mode a watermark row is then
 * inserted (it commits after every message in that snapshot) and verify waits until the stream has
 * applied it, so rows are judged missing or stale only at a point the stream has passed.
 */
public final class Verifier {
    private final Settings settings;
    private final SqlTemplates sql;
    private final int sampleLimit;
    private final String lookup;

    public Verifier(Settings settings, int sampleLimit) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
        this.sampleLimit = sampleLimit;
        this.lookup = settings.queueSchema() + ".partition_lookup";
    }

    public VerifyReport verify(Connection c, Duration waitForStream) throws SQLException, InterruptedException {
        List<VerifyReport.Check> checks = new ArrayList<>();
        if (!Catalog.exists(c, Identifiers.quote(settings.queueSchema()) + ".messages")) {
            throw new DatabaseNotReadyException("table " + settings.queueSchema() + ".messages does not exist: point verify at the queue's database");
        }
        // the same definition install and the preflight use (pg/LookupTableShape)
        LookupTableShape shape = LookupTableShape.read(c, settings);
        boolean columns = shape.exists() && shape.missingColumns().isEmpty();
        checks.add(check("table", columns, columns ? 0 : 1, List.of(), !shape.exists() ? lookup + " does not exist: run `lookupkeeper install`"
                : columns ? lookup + " exists" : shape.problem()));
        if (!columns) {
            return new VerifyReport(false, shape.exists() ? "lookup table lacks columns" : "no lookup table", checks);
        }
        checks.add(check("unique_key", shape.hasArbiter(), shape.hasArbiter() ? 0 : 1, List.of(), shape.hasArbiter()
                ? "UNIQUE (queue_name, partition_id) present" : shape.problem()));

        ModeStore.ModeState mode = Catalog.exists(c, Identifiers.quote(settings.schema()) + ".state") ? new ModeStore(settings).read(c) : null;
        checks.addAll(modeChecks(c, mode));

        String point = truthAndWait(c, mode, waitForStream);
        checks.addAll(dataChecks(c));
        if (mode != null) {
            checks.add(skippedCheck(c));
        }
        boolean passed = checks.stream().allMatch(VerifyReport.Check::passed);
        return new VerifyReport(passed, point, checks);
    }

    private List<VerifyReport.Check> modeChecks(Connection c, ModeStore.ModeState mode) throws SQLException {
        List<VerifyReport.Check> out = new ArrayList<>();
        if (mode == null) {
            out.add(check("mode", false, 1, List.of(), "lookupkeeper's schema " + settings.schema() + " is not installed: run `lookupkeeper install`"));
            return out;
        }
        String switching = mode.switching() ? " (switch to " + mode.switchTarget() + " in progress at step " + mode.switchStep() + ")" : "";
        boolean trigger = "trigger".equals(mode.mode());
        TriggerMode.TriggerState ts = new TriggerMode(settings).state(c);
        if (mode.switching()) {
            out.add(check("trigger", !ts.present() || ts.correct(), ts.present() && !ts.correct() ? 1 : 0, List.of(),
                    (ts.present() ? "present" : "absent") + switching));
        } else if (trigger && !ts.present() && queueTriggerKeeps(c)) {
            out.add(check("trigger", true, 0, List.of(), "the queue's own trigger keeps the lookup (trigger mode)"));
        } else if (trigger) {
            String detail = !ts.present() ? "missing in trigger mode: pushes are not reflected (run `lookupkeeper install --mode trigger`)"
                    : !ts.enabled() ? "present but disabled"
                    : !ts.statementLevel() ? "present but row-level (must be FOR EACH STATEMENT)"
                    : !ts.afterInsert() ? "present but not AFTER INSERT"
                    : "present, enabled, AFTER INSERT, FOR EACH STATEMENT";
            out.add(check("trigger", ts.correct(), ts.correct() ? 0 : 1, List.of(), detail));
        } else {
            out.add(check("trigger", !ts.present(), ts.present() ? 1 : 0, List.of(),
                    ts.present() ? "present in CDC mode: every push pays for it (run `lookupkeeper switch --to cdc` to finish, or drop it)" : "absent (CDC mode)"));
        }
        out.add(queueTriggerCheck(c, trigger || mode.switching()));
        out.add(new ConsistencyCheck(settings).check(c, trigger));
        SlotInfo slot = slot(c);
        if (mode.switching()) {
            out.add(check("slot", true, 0, List.of(), (slot.present ? "present" : "absent") + switching));
        } else if (trigger) {
            out.add(check("slot", !slot.present, slot.present ? 1 : 0, List.of(), slot.present
                    ? "slot " + settings.slot() + " exists in trigger mode and retains WAL: drop it (`lookupkeeper switch --to trigger` does)" : "absent (trigger mode)"));
        } else if (!slot.present && kafkaFed(c)) {
            out.add(check("slot", true, 0, List.of(), "no slot of lookupkeeper's: the lookup is fed from Kafka (stream 'kafka')"));
        } else {
            out.add(check("slot", slot.present, slot.present ? 0 : 1, List.of(), !slot.present
                    ? "slot " + settings.slot() + " is missing in CDC mode: pushes are not reflected; restart `lookupkeeper run` (it re-bootstraps)"
                    : slot.active ? "slot " + settings.slot() + " present, streamed by pid " + slot.pid : "slot " + settings.slot() + " present, no sidecar streaming"));
            String pub = publicationProblem(c);
            out.add(check("publication", pub == null, pub == null ? 0 : 1, List.of(), pub == null ? settings.publication() + " publishes inserts, deletes and truncates on "
                    + settings.queueSchema() + ".messages" : pub));
        }
        return out;
    }

    private boolean queueTriggerKeeps(Connection c) throws SQLException {
        return new QueueTriggers(settings).find(c).stream().anyMatch(QueueTriggers.Found::enabled);
    }

    /** A trigger of the queue's own that writes the lookup: harmless in trigger mode, the write-path cost back in CDC mode. */
    private VerifyReport.Check queueTriggerCheck(Connection c, boolean triggerMode) throws SQLException {
        List<QueueTriggers.Found> found = new QueueTriggers(settings).find(c);
        if (found.isEmpty()) {
            return check("queue trigger", true, 0, List.of(), "none on " + settings.queueSchema() + ".messages writes the lookup");
        }
        String what = QueueTriggers.describe(found);
        if (triggerMode) {
            return check("queue trigger", true, found.size(), List.of(), what + " writes the lookup too (trigger mode: harmless)");
        }
        return check("queue trigger", false, found.size(), List.of(), what + " writes partition_lookup on every push in CDC mode:"
                + " the write-path cost is back (run with --drop-queue-trigger, or drop it)");
    }

    private String truthAndWait(Connection c, ModeStore.ModeState mode, Duration wait) throws SQLException, InterruptedException {
        Catalog.snapshotIntoTemp(c, "lookupkeeper_truth", sql.get("check/truth_snapshot.sql"));
        if (mode != null && "trigger".equals(mode.mode()) && !mode.switching()) {
            return "trigger mode: the lookup is written in each push's own transaction";
        }
        SlotInfo slot = slot(c);
        if (mode == null || !slot.active) {
            return "no sidecar is streaming from slot " + settings.slot() + "; compared with the table as it is";
        }
        return waitForWatermark(c, wait);
    }

    private String waitForWatermark(Connection c, Duration wait) throws SQLException, InterruptedException {
        String schema = Identifiers.quote(settings.schema());
        long mark = Watermarks.insert(c, settings);
        Watermarks.await(c, settings, "main", mark, wait, "the sidecar streaming from slot " + settings.slot());
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".watermark WHERE id < ?")) {
            ps.setLong(1, mark);
            ps.executeUpdate();
        }
        return "watermark " + mark + " applied by the stream";
    }


    private List<VerifyReport.Check> dataChecks(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        long missingCount = 0;
        long staleCount = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.get("check/missing_and_stale.sql"))) {
            while (rs.next()) {
                String label = rs.getString(2) + "/" + rs.getString(1);
                if ("missing".equals(rs.getString(3))) {
                    if (missingCount++ < sampleLimit) {
                        missing.add(label);
                    }
                } else if (staleCount++ < sampleLimit) {
                    stale.add(label + " (row " + rs.getString(6) + " < newest " + rs.getString(4) + ")");
                }
            }
        }
        long truthRows;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_temp.lookupkeeper_truth")) {
            rs.next();
            truthRows = rs.getLong(1);
        }
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS pg_temp.lookupkeeper_truth");
        }
        List<String> phantoms = new ArrayList<>();
        long phantomCount = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.get("check/phantoms.sql"))) {
            while (rs.next()) {
                if (phantomCount++ < sampleLimit) {
                    phantoms.add(rs.getString(1) + "/" + rs.getString(2) + " (row " + rs.getString(4) + ", newest remaining "
                            + (rs.getString(6) == null ? "none" : rs.getString(6)) + ")");
                }
            }
        }
        List<String> orphans = new ArrayList<>();
        long orphanCount = 0;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.get("check/orphans.sql"))) {
            while (rs.next()) {
                if (orphanCount++ < sampleLimit) {
                    orphans.add(rs.getString(1) + "/" + rs.getString(2) + " (" + rs.getString(3) + ")");
                }
            }
        }
        return List.of(
                check("missing", missingCount == 0, missingCount, missing,
                        "partitions with messages but no lookup row (of " + truthRows + " partitions with messages)"),
                check("stale", staleCount == 0, staleCount, stale, "lookup rows behind their partition's newest message"),
                check("phantom", phantomCount == 0, phantomCount, phantoms,
                        "rows ahead of every remaining message while a consumer is behind them (repair: resync --phantoms)"),
                check("orphan", orphanCount == 0, orphanCount, orphans, "rows of deleted partitions or filed under the wrong queue"));
    }

    private boolean kafkaFed(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + Identifiers.quote(settings.schema()) + ".streams WHERE stream = 'kafka'");
             ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /** Malformed events a source skipped (--on-malformed skip): the lookup may lack them until a resync. */
    private VerifyReport.Check skippedCheck(Connection c) throws SQLException {
        List<String> streams = new ArrayList<>();
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT stream, skipped_events FROM " + Identifiers.quote(settings.schema())
                + ".streams WHERE skipped_events > 0 ORDER BY stream"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                streams.add(rs.getString(1) + " (" + rs.getLong(2) + ")");
                total += rs.getLong(2);
            }
        }
        return check("skipped", total == 0, total, streams, total == 0 ? "no malformed events were skipped"
                : "malformed events were skipped: their messages may be missing; run `lookupkeeper resync`");
    }

    private static VerifyReport.Check check(String name, boolean passed, long count, List<String> partitions, String detail) {
        return new VerifyReport.Check(name, passed, count, partitions, detail);
    }

    private record SlotInfo(boolean present, boolean active, Integer pid) {}

    private SlotInfo slot(Connection c) throws SQLException {
        Slots.State s = Slots.state(c, settings.slot());
        return s == null ? new SlotInfo(false, false, null) : new SlotInfo(true, s.active(), s.activePid());
    }

    private String publicationProblem(Connection c) throws SQLException {
        Set<String> tables = new TreeSet<>();
        boolean found = false;
        boolean inserts = false;
        boolean all = false;
        try (PreparedStatement ps = c.prepareStatement(sql.get("install/publication_tables.sql"))) {
            ps.setString(1, settings.publication());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found = true;
                    all = rs.getBoolean(1);
                    inserts = rs.getBoolean(2);
                    if (rs.getString(4) != null) {
                        tables.add(rs.getString(4) + "." + rs.getString(5));
                    }
                }
            }
        }
        if (!found) {
            return "publication " + settings.publication() + " is missing: run `lookupkeeper install`";
        }
        if (all || !inserts || !tables.contains(settings.queueSchema() + ".messages")) {
            return "publication " + settings.publication() + " does not publish inserts on " + settings.queueSchema() + ".messages alone";
        }
        return null;
    }

}
