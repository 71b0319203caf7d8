package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.selection.MemorySelection;
import dev.lookupkeeper.selection.PartitionSelector;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the selection from memory while the stream that feeds the model is live and fresh (a
 * batch or heartbeat within the bound), and by SQL otherwise: before the model caught up, on a
 * standby, after the stream stopped or fell behind.
 */
final class SelectionRouter {
    private static final Logger LOG = LoggerFactory.getLogger(SelectionRouter.class);

    private final dev.lookupkeeper.selection.CandidateSource sql;
    private final PipelineStats stats;
    private final long freshMs;
    private volatile MemorySelection memory;
    private volatile BooleanSupplier streaming = () -> false;
    private boolean announced;

    SelectionRouter(dev.lookupkeeper.selection.CandidateSource sql, PipelineStats stats, Duration freshness) {
        this.sql = sql;
        this.stats = stats;
        this.freshMs = freshness.toMillis();
    }

    /** The model fed by the stream now starting (null: none), and how to tell that stream runs. */
    void follow(MemorySelection model, BooleanSupplier isStreaming) {
        this.memory = model;
        this.streaming = model == null ? () -> false : isStreaming;
    }

    List<PartitionSelector.Candidate> candidates(String queue, String group, int limit) throws SQLException {
        MemorySelection m = memory;
        if (m != null && fromMemory(m)) {
            return m.candidates(queue, group, limit);
        }
        return sql.candidates(queue, group, limit);
    }

    private boolean fromMemory(MemorySelection m) {
        return m.ready() && streaming.getAsBoolean() && System.currentTimeMillis() - stats.lastBatchAtMs() < freshMs;
    }

    /** The database's clock minus this process's, as last measured: the model judges leases by the database's time. */
    void clockOffset(long offsetMs) {
        MemorySelection m = memory;
        if (m != null) {
            m.clockOffset(offsetMs);
        }
    }

    /** Logs once each time the selection starts being served from memory. */
    void announce() {
        MemorySelection m = memory;
        boolean now = m != null && fromMemory(m);
        if (now && !announced) {
            LOG.info("selection served from memory ({})", m.describe());
        }
        announced = now;
    }
}
