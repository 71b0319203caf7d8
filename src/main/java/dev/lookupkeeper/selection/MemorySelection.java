package dev.lookupkeeper.selection;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pg.Watermarks;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.SelectionChanges;
import dev.lookupkeeper.pipeline.sink.BatchApplier;
import dev.lookupkeeper.pipeline.sink.PhantomHealer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The selection served from memory, fed by the sidecar's one stream: a snapshot of the
 * selection's tables read before the stream starts, then every batch the sink committed — the
 * selection tables' changes in stream order, then the lookup rows the sink upserted or healed.
 * It answers once the stream has passed a watermark inserted after the snapshot (older changes
 * replayed over the newer snapshot have been overtaken by then).
 */
public final class MemorySelection implements SelectionFollower, SelectionChanges {
    private static final Logger LOG = LoggerFactory.getLogger(MemorySelection.class);

    private final Settings settings;
    private final SelectionModel model = new SelectionModel();
    private volatile long readyAfterWatermark = Long.MAX_VALUE;
    private volatile long seenWatermark;
    private volatile boolean reloadNeeded;
    /** The database's clock minus this process's: leases are written with the database's now(), so they are judged by it. */
    private volatile long clockOffsetMicros;

    public MemorySelection(Settings settings) {
        this.settings = settings;
    }

    /** Measured (ModelFootprint): about 400 bytes of heap per partition (with its lookup row) and per consumer row. */
    private static final long BYTES_PER_ROW = 400;

    @Override
    public void load(Connection c) throws SQLException {
        long estimate = estimateBytes(c);
        long max = Runtime.getRuntime().maxMemory();
        if (estimate > max / 2) {
            LOG.warn("the selection is served by SQL: the in-memory model would need about {} MB of a {} MB heap;"
                    + " run with -Xmx{}m (or more) to serve it from memory, or --selection sql to silence this", estimate >> 20, max >> 20,
                    Math.max(256, (estimate * 3) >> 20));
            return;
        }
        List<Runnable> rows = new ArrayList<>();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            try (ResultSet rs = st.executeQuery(SqlTemplates.of(settings).get("select/model_snapshot.sql"))) {
                while (rs.next()) {
                    rows.add(row(rs));
                }
            }
            c.commit();
        } finally {
            c.setAutoCommit(autoCommit);
        }
        model.apply(List.of(model::clear));
        model.apply(rows);
        readyAfterWatermark = Watermarks.insert(c, settings);
        LOG.info("selection model loaded ({}); served from memory once the stream passes watermark {}", model.describe(), readyAfterWatermark);
    }

    private long estimateBytes(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(dev.lookupkeeper.pg.SqlTemplates.of(settings).get("select/model_size.sql"))) {
            rs.next();
            return rs.getLong(1) * BYTES_PER_ROW;
        }
    }

    private Runnable row(ResultSet rs) throws SQLException {
        String kind = rs.getString(1);
        UUID id = (UUID) rs.getObject(2);
        UUID ref = (UUID) rs.getObject(3);
        String name = rs.getString(4);
        UUID msg = (UUID) rs.getObject(5);
        Long t1 = (Long) rs.getObject(6);
        Long t2 = (Long) rs.getObject(7);
        Long t3 = (Long) rs.getObject(8);
        return switch (kind) {
            case "q" -> () -> queue(id, name, t1 == null ? 0 : t1.intValue());
            case "p" -> () -> partition(id, ref, name);
            case "c" -> () -> consumer(id, ref, name, msg == null ? new UUID(0, 0) : msg, t1, t2, t3);
            default -> () -> lookup(id, name, ref, msg, t1);
        };
    }

    /** Caught up past the snapshot. */
    public boolean ready() {
        return !reloadNeeded && seenWatermark >= readyAfterWatermark;
    }

    @Override
    public void applied(ChangeBatch batch, BatchApplier.Applied applied) {
        List<Runnable> changes = new ArrayList<>(batch.selectionChanges().size() + 8);
        for (Consumer<SelectionChanges> change : batch.selectionChanges()) {
            changes.add(() -> change.accept(this));
        }
        if (applied != null) {
            for (LatestMessage m : applied.upserted()) {
                changes.add(() -> model.advanceLookup(m.partitionId(), m.messageId(), m.createdAtMicros()));
            }
            for (PhantomHealer.Healed h : applied.healed()) {
                changes.add(h.removed() ? () -> model.removeLookupOfPartition(h.partitionId())
                        : () -> model.setLookup(h.partitionId(), h.messageId(), h.createdAtMicros()));
            }
        }
        model.apply(changes);
        if (batch.watermark() > seenWatermark) {
            seenWatermark = batch.watermark();
        }
    }

    public List<PartitionSelector.Candidate> candidates(String queue, String group, int limit) {
        return model.candidates(queue, group == null ? PartitionSelector.DEFAULT_GROUP : group, limit, databaseNowMicros());
    }

    /** Sets the measured offset of the database's clock (milliseconds, database minus this process). */
    public void clockOffset(long offsetMs) {
        clockOffsetMicros = offsetMs * 1000;
    }

    /** The database's time now, as this process's clock and the last measured offset tell it. */
    long databaseNowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 + clockOffsetMicros;
    }

    public String describe() {
        return model.describe();
    }

    @Override
    public void queue(UUID id, String name, int windowBuffer) {
        model.putQueue(new SelectionModel.Queue(id, name, windowBuffer));
    }

    @Override
    public void queueDeleted(UUID id) {
        model.removeQueue(id);
    }

    @Override
    public void partition(UUID id, UUID queueId, String name) {
        model.putPartition(new SelectionModel.Partition(id, queueId, name));
    }

    @Override
    public void partitionDeleted(UUID id) {
        model.removePartition(id);
    }

    @Override
    public void consumer(UUID id, UUID partition, String group, UUID cursorId, Long cursorCreatedAt, Long consumedAt, Long leaseExpiresAt) {
        model.putConsumer(new SelectionModel.Consumer(id, partition, group, cursorId, cursorCreatedAt, consumedAt, leaseExpiresAt));
    }

    @Override
    public void consumerDeleted(UUID id) {
        model.removeConsumer(id);
    }

    @Override
    public void lookup(UUID id, String queue, UUID partition, UUID messageId, long createdAt) {
        model.putLookup(new SelectionModel.LookupRow(id, queue, partition, messageId, createdAt));
    }

    @Override
    public void lookupDeleted(UUID id) {
        model.removeLookup(id);
    }

    /** A TRUNCATE of a selection table: the selection falls back to SQL until the stream restarts and reloads. */
    @Override
    public void truncated(String table) {
        LOG.warn("{} was truncated: the selection is served by SQL until the sidecar restarts its stream", table);
        reloadNeeded = true;
    }
}
