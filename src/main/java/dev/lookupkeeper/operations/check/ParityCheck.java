package dev.lookupkeeper.operations.check;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pg.Watermarks;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Shadow parity: while the trigger maintains the real lookup, `run --shadow` streams into
 * lookupkeeper.shadow_lookup. The real table is read at one snapshot; a watermark inserted after it
 * must be applied by the shadow stream; then the shadow must hold at least what the trigger had
 * (else the stream missed something) and at most what the live table holds now (else the trigger
 * missed something). Evidence to look at before switching.
 */
public final class ParityCheck {
    private final Settings settings;
    private final SqlTemplates sql;
    private final int sampleLimit;

    public ParityCheck(Settings settings, int sampleLimit) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
        this.sampleLimit = sampleLimit;
    }

    public VerifyReport verify(Connection c, Duration wait) throws SQLException, InterruptedException {
        ModeStore.ModeState st = new ModeStore(settings).read(c);
        if (!"trigger".equals(st.mode()) || st.switching()) {
            throw new DatabaseNotReadyException("--parity compares the shadow stream with the trigger's table: it runs in trigger mode"
                    + " with no switch in progress (mode is " + st.mode() + ")");
        }
        StreamTarget shadow = StreamTarget.shadow(settings);
        if (Slots.activePid(c, shadow.slot()) == null) {
            throw new DatabaseNotReadyException("no shadow stream is running (slot " + shadow.slot() + " is not active): start `lookupkeeper run --shadow`");
        }
        Catalog.snapshotIntoTemp(c, "lookupkeeper_parity", sql.get("check/parity_snapshot.sql"));
        long mark = Watermarks.insert(c, settings);
        Watermarks.await(c, settings, StreamTarget.SHADOW, mark, wait, "the shadow stream");
        List<String> behind = new ArrayList<>();
        List<String> ahead = new ArrayList<>();
        long behindCount = 0;
        long aheadCount = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.get("check/parity_differences.sql"))) {
            while (rs.next()) {
                String label = rs.getString(2) + "/" + rs.getString(3) + " (trigger " + rs.getString(4) + ", shadow " + rs.getString(5) + ")";
                if ("behind".equals(rs.getString(1))) {
                    if (behindCount++ < sampleLimit) {
                        behind.add(label);
                    }
                } else if (aheadCount++ < sampleLimit) {
                    ahead.add(label);
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS pg_temp.lookupkeeper_parity");
        }
        List<VerifyReport.Check> checks = List.of(
                new VerifyReport.Check("parity_behind", behindCount == 0, behindCount, behind,
                        "shadow rows behind the trigger's table at the snapshot (the stream missed a message)"),
                new VerifyReport.Check("parity_ahead", aheadCount == 0, aheadCount, ahead,
                        "shadow rows ahead of the trigger's table (the trigger missed a message)"));
        return new VerifyReport(behindCount == 0 && aheadCount == 0, "watermark " + mark + " applied by the shadow stream", checks);
    }
}
