package dev.lookupkeeper.sidecar;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.Failures;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.bootstrap.SlotCheck;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.pg.Catalog;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.SocketTimeouts;
import dev.lookupkeeper.pg.DatabaseNotReadyException;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.pipeline.Pipelines;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.source.SlotStream;
import dev.lookupkeeper.pipeline.source.debezium.DebeziumSource;
import dev.lookupkeeper.pipeline.source.pgoutput.PgOutputSource;
import dev.lookupkeeper.pipeline.source.pgoutput.StreamRequest;
import dev.lookupkeeper.selection.SelectionFollower;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CDC mode, assembled: checks and install → slot check (re-bootstrap a slot that no longer
 * continues the checkpoint) → slot-first bootstrap → source → sink (joined by {@link Pipelines}).
 * The one owner of the pool, the source and the stats of a running stream.
 */
public final class CdcPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CdcPipeline.class);
    private static final int STRICT_LOCK_TIMEOUT_MS = 50;

    /**
     * @param rebootstrapOnSlotLoss re-bootstrap a slot that is lost or ahead of the checkpoint (else fail: exit 6)
     * @param selection fed with every applied batch (null: no in-memory selection)
     * @param minBatchInterval native reader: at most one batch per interval while data keeps arriving
     * @param confirmAtOnce strict consistency: every position confirmed the moment it is safe (native reader only)
     */
    public record Options(StreamSource source, boolean rebootstrapOnSlotLoss, SelectionFollower selection, Duration minBatchInterval,
                          boolean confirmAtOnce) {
        public Options(StreamSource source, boolean rebootstrapOnSlotLoss, SelectionFollower selection) {
            this(source, rebootstrapOnSlotLoss, selection, Duration.ZERO, false);
        }

        public static Options defaults() {
            return new Options(StreamSource.PGOUTPUT, true, null);
        }
    }

    private final Settings settings;
    private final StreamTarget target;
    private final PipelineStats stats;
    private final Options options;
    private HikariDataSource pool;
    private SlotStream stream;
    private SelectionFollower selection;

    public CdcPipeline(Settings settings, PipelineStats stats) {
        this(settings, StreamTarget.main(settings), stats, Options.defaults());
    }

    public CdcPipeline(Settings settings, StreamTarget target, PipelineStats stats, Options options) {
        this.settings = settings;
        this.target = target;
        this.stats = stats;
        this.options = options;
    }

    /** Everything up to a running stream; throws before writing anything if the database is not ready. */
    public void start(Bootstrapper.ProgressSink progress) throws SQLException, InterruptedException {
        long checkpoint;
        try (Connection c = Database.connectWithRetry(settings.connection(), "lookupkeeper-setup", settings.connectAttempts(),
                SocketTimeouts.SETUP)) {
            new Installer(settings).install(c, true);
            refuseIfSlotHeld(c);
            checkSlot(c);
            new Bootstrapper(settings, target).ensure(c, progress);
            checkpoint = SlotCheck.checkpoint(c, settings, target);
            if (checkpoint == 0) {
                // a stream bootstrapped before checkpoints were stored: start where the slot stands,
                // named explicitly (a request for 0/0 is not relied on)
                checkpoint = SlotCheck.confirmed(c, target.slot());
            }
            if (options.selection() != null && options.source() == StreamSource.PGOUTPUT) {
                if (Catalog.publicationExists(c, settings.selectionPublication())) {
                    selection = options.selection();
                    selection.load(c);
                } else {
                    LOG.info("no publication {}: the selection is served by SQL (run install as the tables' owner to create it)",
                            settings.selectionPublication());
                }
            }
        }
        // strict: a sink statement must never wait long on a row a commit waiting for the sidecar holds
        pool = Database.sinkPool(settings.connection(), "lookupkeeper-sink", 3, options.confirmAtOnce() ? STRICT_LOCK_TIMEOUT_MS : null,
                SocketTimeouts.SINK);
        if (options.source() == StreamSource.DEBEZIUM) {
            startDebezium();
        } else {
            startPgoutput(checkpoint);
        }
    }

    private void checkSlot(Connection c) throws SQLException {
        SlotCheck.Result r = SlotCheck.check(c, settings, target);
        if (!r.needsRebootstrap()) {
            return;
        }
        if (!options.rebootstrapOnSlotLoss()) {
            throw new SlotLostException(r.detail() + "; restart with --on-slot-lost rebootstrap (the default) to bootstrap the lookup"
                    + " again from the table");
        }
        String why = r.detail() + (r.verdict() == SlotCheck.Verdict.MISSING ? " — after a failover to a standby this is expected: before"
                + " PostgreSQL 17 a standby has no copy of a logical slot (17+: a slot made with --failover-slot and synchronized is kept)" : "");
        LOG.error("{}: the stream has a gap nobody can know; bootstrapping again (slot first, then backfill from the table)", why);
        stats.recordRebootstrap();
        try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE " + dev.lookupkeeper.config.Identifiers.quote(settings.schema())
                + ".streams SET rebootstrapped_at = now(), rebootstrap_reason = ? WHERE stream = ?")) {
            ps.setString(1, why);
            ps.setString(2, target.name());
            ps.executeUpdate(); // for `status`
        }
        if (r.verdict() != SlotCheck.Verdict.MISSING) {
            Slots.dropIfInactive(c, target.slot());
        }
    }

    private void startPgoutput(long checkpoint) throws SQLException {
        List<String> publications = new ArrayList<>(List.of(settings.publication()));
        if (selection != null) {
            publications.add(settings.selectionPublication());
        }
        Pipelines pipelines = new Pipelines(settings, pool, stats);
        boolean strict = options.confirmAtOnce() && target.isMain();
        StreamSink sink = pipelines.sink(target, selection, strict);
        boolean messages;
        try (Connection c = pool.getConnection()) {
            messages = c.getMetaData().getDatabaseMajorVersion() >= 14;
        }
        // the main stream's walsender carries the name synchronous_standby_names lists in strict mode
        String applicationName = target.isMain() ? settings.consistency().applicationName() : target.slot();
        PgOutputSource pgoutput = pipelines.pgoutput(new Pipelines.NativeRead(applicationName,
                new StreamRequest(target.slot(), publications, checkpoint, messages), selection != null, options.minBatchInterval(), strict), sink);
        try {
            pgoutput.start();
            stream = pgoutput;
        } catch (SQLException e) {
            if ("55006".equals(e.getSQLState())) {
                throw new DatabaseNotReadyException("replication slot " + target.slot() + " is in use by another process: stop it first, or use another --slot");
            }
            throw e;
        }
    }

    private void startDebezium() throws InterruptedException {
        // the native reader's sink; Debezium's batches move no checkpoint (its offset store is the position)
        Pipelines pipelines = new Pipelines(settings, pool, stats);
        DebeziumSource debezium = pipelines.debezium(target, pipelines.sink(target, null, false));
        stream = debezium;
        if (!debezium.awaitStarted(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the Debezium engine did not start within 60 s");
        }
        if (debezium.failure() != null) {
            throw new IllegalStateException("the Debezium engine failed to start: " + rootMessage(debezium.failure()), debezium.failure());
        }
        LOG.info("streaming from slot {} (Debezium, publication {}) into {}", target.slot(), settings.publication(),
                target.lookupTable().replace("\"", ""));
    }

    private void refuseIfSlotHeld(Connection c) throws SQLException {
        Integer pid = Slots.activePid(c, target.slot());
        if (pid != null) {
            throw new DatabaseNotReadyException("replication slot " + target.slot() + " is in use by server process " + pid
                    + " (another lookupkeeper run?): stop it first, or use another --slot");
        }
    }

    /** Blocks until the stream stops; returns the failure, or null after a clean stop. */
    public Throwable awaitTermination() throws InterruptedException {
        return stream.awaitTermination();
    }

    public boolean isStreaming() {
        return stream != null && stream.isRunning();
    }

    public PipelineStats stats() {
        return stats;
    }

    /** Finishes the batch in flight, commits, confirms its position, releases the slot. */
    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    public static String rootMessage(Throwable t) {
        return Failures.rootMessage(t);
    }
}
