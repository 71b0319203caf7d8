package dev.lookupkeeper.select;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.source.debezium.EngineProperties;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link SelectionModel}: Debezium's initial snapshot of partition_lookup,
 * partition_consumers, partitions and queues (it creates its slot first and snapshots at the
 * slot's exported point, so nothing falls between snapshot and stream), then every change to
 * them. Its slot is ephemeral: recreated on every start, dropped on stop. The model is ready once
 * a watermark inserted after the start has come through.
 */
public final class SelectionStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SelectionStream.class);
    static final String PREFIX = "lookupkeeper_selection";

    private final Settings settings;
    private final SelectionModel model = new SelectionModel();
    private volatile long readyAfterWatermark = Long.MAX_VALUE;
    private volatile long seenWatermark;
    private volatile boolean failed;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private ExecutorService executor;

    public SelectionStream(Settings settings) {
        this.settings = settings;
    }

    /** @return false when the database has no selection publication (the selection stays in SQL) */
    public boolean start(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, settings.selectionPublication());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    LOG.info("no publication {}: the selection is served by SQL", settings.selectionPublication());
                    return false;
                }
            }
        }
        // an inactive leftover of a process that died holding it: this process owns it now
        dev.lookupkeeper.pg.Slots.dropIfInactive(c, settings.selectionSlot());
        String q = settings.queueSchema();
        Properties p = EngineProperties.connection(settings, settings.selectionSlot());
        p.setProperty("topic.prefix", PREFIX);
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("slot.name", settings.selectionSlot());
        p.setProperty("slot.drop.on.stop", "false"); // close() drops it: every start snapshots afresh anyway
        p.setProperty("publication.name", settings.selectionPublication());
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("table.include.list", q + ".partition_lookup," + q + ".partition_consumers," + q + ".partitions," + q + ".queues,"
                + settings.schema() + ".watermark");
        p.setProperty("column.include.list", String.join(",",
                q + ".partition_lookup.(id|queue_name|partition_id|last_message_id|last_message_created_at)",
                q + ".partition_consumers.(id|partition_id|consumer_group|last_consumed_id|last_consumed_created_at|last_consumed_at|lease_expires_at)",
                q + ".partitions.(id|queue_id|name)", q + ".queues.(id|name|window_buffer)", settings.schema() + ".watermark.id"));
        p.setProperty("max.batch.size", "4096");
        p.setProperty("max.queue.size", "8193");
        p.setProperty("poll.interval.ms", "10");
        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(p)
                .using((success, message, error) -> {
                    if (!success) {
                        failed = true;
                        LOG.warn("selection stream stopped: {}; the selection falls back to SQL", message);
                    }
                })
                .notifying((records, committer) -> {
                    List<Runnable> changes = new ArrayList<>(records.size());
                    for (RecordChangeEvent<SourceRecord> r : records) {
                        Runnable change = decode(r.record());
                        if (change != null) {
                            changes.add(change);
                        }
                        committer.markProcessed(r);
                    }
                    model.apply(changes);
                    committer.markBatchFinished();
                })
                .build();
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "selection-stream");
            t.setDaemon(true);
            return t;
        });
        executor.execute(engine);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + dev.lookupkeeper.config.Identifiers.quote(settings.schema())
                + ".watermark DEFAULT VALUES RETURNING id"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            readyAfterWatermark = rs.getLong(1);
        }
        return true;
    }

    /** Snapshot done and caught up past the start, and still running. */
    public boolean ready() {
        return !failed && seenWatermark >= readyAfterWatermark;
    }

    public List<PartitionSelector.Candidate> candidates(String queue, String group, int limit) {
        Instant now = Instant.now();
        return model.candidates(queue, group == null ? PartitionSelector.DEFAULT_GROUP : group, limit,
                now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000);
    }

    private Runnable decode(SourceRecord r) {
        if (!(r.value() instanceof Struct v) || v.schema().field("op") == null) {
            return null;
        }
        String table = r.topic().substring(r.topic().lastIndexOf('.') + 1);
        String op = v.getString("op");
        Struct after = v.getStruct("after");
        Struct before = v.getStruct("before");
        boolean delete = "d".equals(op);
        Struct row = delete ? before : after;
        if (row == null) {
            return null;
        }
        UUID id = row.get("id") instanceof String s ? UUID.fromString(s) : null;
        switch (table) {
            case "watermark" -> {
                long w = row.getInt64("id");
                return () -> seenWatermark = Math.max(seenWatermark, w);
            }
            case "queues" -> {
                if (delete) {
                    return () -> model.removeQueue(id);
                }
                Integer wb = row.getInt32("window_buffer");
                SelectionModel.Queue qu = new SelectionModel.Queue(id, row.getString("name"), wb == null ? 0 : wb);
                return () -> model.putQueue(qu);
            }
            case "partitions" -> {
                if (delete) {
                    return () -> model.removePartition(id);
                }
                String queueId = row.getString("queue_id");
                SelectionModel.Partition pa = new SelectionModel.Partition(id, queueId == null ? null : UUID.fromString(queueId), row.getString("name"));
                return () -> model.putPartition(pa);
            }
            case "partition_lookup" -> {
                if (delete) {
                    return () -> model.removeLookup(id);
                }
                SelectionModel.LookupRow lr = new SelectionModel.LookupRow(id, row.getString("queue_name"),
                        UUID.fromString(row.getString("partition_id")), UUID.fromString(row.getString("last_message_id")),
                        micros(row.getString("last_message_created_at")));
                return () -> model.putLookup(lr);
            }
            case "partition_consumers" -> {
                if (delete) {
                    return () -> model.removeConsumer(id);
                }
                String partition = row.getString("partition_id");
                if (partition == null) {
                    return null;
                }
                String cursorId = row.getString("last_consumed_id");
                SelectionModel.Consumer co = new SelectionModel.Consumer(id, UUID.fromString(partition), row.getString("consumer_group"),
                        cursorId == null ? new UUID(0, 0) : UUID.fromString(cursorId), microsOrNull(row.getString("last_consumed_created_at")),
                        microsOrNull(row.getString("last_consumed_at")), microsOrNull(row.getString("lease_expires_at")));
                return () -> model.putConsumer(co);
            }
            default -> {
                return null;
            }
        }
    }

    private static Long microsOrNull(String iso) {
        return iso == null ? null : micros(iso);
    }

    private static long micros(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    public String describe() {
        return model.describe();
    }

    @Override
    public void close() {
        if (engine != null) {
            try {
                engine.close();
            } catch (IOException e) {
                LOG.warn("selection stream did not close cleanly: {}", e.getMessage());
            }
        }
        if (executor != null) {
            executor.shutdown();
            try {
                executor.awaitTermination(8, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            dropSlot();
        }
    }

    /** The slot only serves this process's snapshot-then-stream: it must not retain WAL after it. */
    private void dropSlot() {
        try (Connection c = dev.lookupkeeper.pg.Database.connect(settings.connection(), "lookupkeeper-selection")) {
            dev.lookupkeeper.pg.Slots.dropIfInactive(c, settings.selectionSlot());
        } catch (SQLException e) {
            LOG.warn("could not drop slot {}: {}; the next sidecar drops it", settings.selectionSlot(), e.getMessage());
        }
    }
}
