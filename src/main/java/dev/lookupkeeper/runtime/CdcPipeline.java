package dev.lookupkeeper.runtime;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.bootstrap.Bootstrapper;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.install.Installer;
import dev.lookupkeeper.ops.PipelineStats;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.sink.LookupSink;
import dev.lookupkeeper.sink.LookupWriter;
import dev.lookupkeeper.source.debezium.DebeziumSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CDC mode, assembled: checks and install → slot-first bootstrap → Debezium source → sink. The
 * one owner of the pool, the source and the stats of a running sidecar.
 */
public final class CdcPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CdcPipeline.class);

    private final Settings settings;
    private final StreamTarget target;
    private final PipelineStats stats;
    private HikariDataSource pool;
    private DebeziumSource source;

    public CdcPipeline(Settings settings, PipelineStats stats) {
        this(settings, StreamTarget.main(settings), stats);
    }

    public CdcPipeline(Settings settings, StreamTarget target, PipelineStats stats) {
        this.settings = settings;
        this.target = target;
        this.stats = stats;
    }

    /** Everything up to a running stream; throws before writing anything if the database is not ready. */
    public void start(Bootstrapper.ProgressSink progress) throws SQLException, InterruptedException {
        try (Connection c = Database.connectWithRetry(settings.connection(), "lookupkeeper-setup", settings.connectAttempts())) {
            new Installer(settings).install(c, true);
            refuseIfSlotHeld(c);
            new Bootstrapper(settings, target).ensure(c, progress);
        }
        pool = Database.pool(settings.connection(), "lookupkeeper-sink", 3);
        source = new DebeziumSource(settings, target, pool);
        source.start(new LookupSink(new LookupWriter(pool, SqlTemplates.forTable(settings, target.lookupTable()), target.name()), stats));
        if (!source.awaitStarted(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the Debezium engine did not start within 60 s");
        }
        if (source.failure() != null) {
            throw new IllegalStateException("the Debezium engine failed to start: " + rootMessage(source.failure()), source.failure());
        }
        LOG.info("streaming from slot {} (publication {}) into {}", target.slot(), settings.publication(), target.lookupTable().replace("\"", ""));
    }

    private void refuseIfSlotHeld(Connection c) throws SQLException {
        Integer pid = dev.lookupkeeper.pg.Slots.activePid(c, target.slot());
        if (pid != null) {
            throw new DatabaseNotReadyException("replication slot " + target.slot() + " is in use by server process " + pid
                    + " (another lookupkeeper run?): stop it first, or use another --slot");
        }
    }

    /** Blocks until the stream stops; returns the failure, or null after a clean stop. */
    public Throwable awaitTermination() throws InterruptedException {
        return source.awaitTermination();
    }

    public boolean isStreaming() {
        return source != null && source.isRunning();
    }

    public PipelineStats stats() {
        return stats;
    }

    /** Finishes the batch in flight, commits, flushes offsets, releases the slot. */
    @Override
    public void close() {
        if (source != null) {
            source.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    public static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
