package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pipeline.source.pgoutput.BatchAssembler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The streaming sidecar's heartbeat: a watermark through the slot every interval, so the slot's
 * position (and the WAL it retains) moves on an idle queue and readiness sees the stream alive.
 * With the native reader on PostgreSQL 14+ it is a logical decoding message (no row to vacuum);
 * otherwise a row of the watermark table.
 */
final class Heartbeat {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Heartbeat.class);

    private final Settings settings;
    private final long everyMs;
    private final boolean asMessage;
    private final SqlTemplates sql;
    private long lastMs;

    /** A logical message where the server and the source allow it (PostgreSQL 14+, native reader), else a row. */
    static Heartbeat forServer(Connection c, Settings settings, Duration every, StreamSource source) throws SQLException {
        int major = c.getMetaData().getDatabaseMajorVersion();
        if (major < 14 && source == StreamSource.PGOUTPUT) {
            LOG.info("PostgreSQL {} has no logical decoding messages: heartbeats go through the watermark table", major);
        }
        return new Heartbeat(settings, every, major >= 14 && source == StreamSource.PGOUTPUT);
    }

    Heartbeat(Settings settings, Duration every, boolean asMessage) {
        this.settings = settings;
        this.everyMs = every.toMillis();
        this.asMessage = asMessage;
        this.sql = SqlTemplates.of(settings);
    }

    /** Beats if the interval has passed since the last beat. */
    void maybeBeat(Connection c, long nowMs) throws SQLException {
        if (nowMs - lastMs < everyMs) {
            return;
        }
        lastMs = nowMs;
        if (asMessage) {
            try (PreparedStatement ps = c.prepareStatement(sql.get("runtime/heartbeat_message.sql"))) {
                ps.setString(1, BatchAssembler.WATERMARK_PREFIX + ":" + settings.schema());
                ps.setString(2, Identifiers.quote(settings.schema()) + ".watermark");
                ps.execute();
            }
        } else {
            try (Statement st = c.createStatement()) {
                st.execute(sql.get("runtime/heartbeat_row.sql"));
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute(sql.get("runtime/watermark_cleanup.sql"));
        }
    }

    /** The next call beats at once (a new stream wants its first watermark soon). */
    void reset() {
        lastMs = 0;
    }
}
