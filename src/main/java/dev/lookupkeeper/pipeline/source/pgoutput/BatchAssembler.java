package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The fan-out: turns the decoded stream into {@link ChangeBatch}es of whole transactions. Inserts
 * and deletes of the queue's messages feed the lookup sink and the phantom healer; watermarks (a
 * row of lookupkeeper's watermark table, or a logical decoding message) feed the checkpoint; the
 * selection's tables feed the in-memory selection. Everything else is counted and ignored.
 */
public final class BatchAssembler implements ChangeListener {
    /** Prefix of lookupkeeper's logical decoding messages; the content is the watermark id. */
    public static final String WATERMARK_PREFIX = "lookupkeeper.watermark";

    private enum Role { MESSAGES, WATERMARK, QUEUES, PARTITIONS, CONSUMERS, LOOKUP, OTHER }

    /** A relation's role and the tuple index of each column lookupkeeper reads. */
    private record Table(Role role, int[] col) {}

    private final Settings settings;
    private final boolean selection;
    private final String watermarkPrefix;
    private final Map<Integer, Table> tables = new HashMap<>();
    private Relation lastRelation;
    private Table lastTable;
    private ChangeBatch batch = new ChangeBatch();
    /** Scratch halves of the row being decoded: the hot path allocates no UUID. */
    private final long[] partition = new long[2];
    private final long[] message = new long[2];
    private boolean inTransaction;

    /** @param selection whether the selection's tables are decoded for the in-memory selection */
    public BatchAssembler(Settings settings, boolean selection) {
        this.settings = settings;
        this.selection = selection;
        this.watermarkPrefix = WATERMARK_PREFIX + ":" + settings.schema();
    }

    /** Between two transactions: the batch holds only whole ones. */
    public boolean atBoundary() {
        return !inTransaction;
    }

    public ChangeBatch current() {
        return batch;
    }

    /** Hands over the batch built so far (whole transactions only) and starts a new one. */
    public ChangeBatch take() {
        if (inTransaction) {
            throw new IllegalStateException("a batch can only be taken between transactions");
        }
        ChangeBatch b = batch;
        batch = new ChangeBatch();
        return b;
    }

    @Override
    public void begin(long finalLsn, long commitTimeMs, int xid) {
        inTransaction = true;
        batch.transaction(xid);
    }

    @Override
    public void commit(long commitLsn, long endLsn, long commitTimeMs) {
        inTransaction = false;
        batch.committed(endLsn, commitTimeMs);
    }

    @Override
    public void relation(Relation r) {
        tables.put(r.oid(), classify(r));
        lastRelation = null;
    }

    private Table classify(Relation r) {
        String q = settings.queueSchema();
        if (r.schema().equals(settings.schema()) && r.table().equals("watermark")) {
            return new Table(Role.WATERMARK, cols(r, "id"));
        }
        if (!r.schema().equals(q)) {
            return new Table(Role.OTHER, new int[0]);
        }
        return switch (r.table()) {
            case "messages" -> new Table(Role.MESSAGES, cols(r, "id", "partition_id", "created_at"));
            case "queues" -> new Table(Role.QUEUES, cols(r, "id", "name", "window_buffer"));
            case "partitions" -> new Table(Role.PARTITIONS, cols(r, "id", "queue_id", "name"));
            case "partition_consumers" -> new Table(Role.CONSUMERS, cols(r, "id", "partition_id", "consumer_group", "last_consumed_id",
                    "last_consumed_created_at", "last_consumed_at", "lease_expires_at"));
            case "partition_lookup" -> new Table(Role.LOOKUP, cols(r, "id", "queue_name", "partition_id", "last_message_id",
                    "last_message_created_at"));
            default -> new Table(Role.OTHER, new int[0]);
        };
    }

    private static int[] cols(Relation r, String... names) {
        int[] out = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            out[i] = r.column(names[i]);
        }
        return out;
    }

    private Table table(Relation r) {
        if (r == lastRelation) {
            return lastTable; // the decoder hands the same Relation for every row of a table
        }
        Table t = tables.computeIfAbsent(r.oid(), k -> classify(r));
        lastRelation = r;
        lastTable = t;
        return t;
    }

    @Override
    public void insert(Relation r, TupleView row) {
        Table t = table(r);
        switch (t.role()) {
            case MESSAGES -> {
                long created = row.timestampMicros(t.col()[2]);
                if (created == Long.MIN_VALUE || !row.uuidInto(t.col()[1], partition) || !row.uuidInto(t.col()[0], message)) {
                    batch.ignored(); // a message without a partition never appears in the lookup
                } else {
                    batch.inserted(partition[0], partition[1], created, message[0], message[1]);
                }
            }
            case WATERMARK -> batch.watermark(row.int64(t.col()[0]));
            default -> selectionRow(t, row, false);
        }
    }

    @Override
    public void update(Relation r, TupleView row) {
        Table t = table(r);
        if (t.role() == Role.MESSAGES || t.role() == Role.WATERMARK) {
            batch.ignored(); // only inserts and deletes are published for them
            return;
        }
        selectionRow(t, row, false);
    }

    @Override
    public void delete(Relation r, TupleView key) {
        Table t = table(r);
        switch (t.role()) {
            case MESSAGES -> {
                UUID id = key.uuid(t.col()[0]);
                if (id == null) {
                    batch.sweepAll(); // a replica identity without id: check every row
                } else {
                    batch.deleted(id);
                }
            }
            case WATERMARK -> batch.ignored(); // the heartbeat's clean-up
            default -> selectionRow(t, key, true);
        }
    }

    @Override
    public void truncate(Relation[] relations) {
        for (Relation r : relations) {
            Table t = table(r);
            if (t.role() == Role.MESSAGES) {
                batch.sweepAll();
            } else if (selection && t.role() != Role.WATERMARK && t.role() != Role.OTHER) {
                String name = r.table();
                batch.selectionChange(s -> s.truncated(name));
            }
        }
    }

    @Override
    public void message(boolean transactional, long lsn, String prefix, ByteBuffer content) {
        if (!prefix.equals(watermarkPrefix)) {
            batch.ignored();
            return;
        }
        byte[] bytes = new byte[content.remaining()];
        content.get(bytes);
        batch.watermark(Long.parseLong(new String(bytes, StandardCharsets.US_ASCII).trim()));
    }

    private void selectionRow(Table t, TupleView row, boolean deleted) {
        if (!selection || t.role() == Role.OTHER) {
            batch.ignored();
            return;
        }
        int[] c = t.col();
        UUID id = row.uuid(c[0]);
        if (id == null) {
            batch.ignored();
            return;
        }
        switch (t.role()) {
            case QUEUES -> {
                if (deleted) {
                    batch.selectionChange(s -> s.queueDeleted(id));
                } else {
                    String name = row.text(c[1]);
                    long wb = row.int64(c[2]);
                    int windowBuffer = wb == Long.MIN_VALUE ? 0 : (int) wb;
                    batch.selectionChange(s -> s.queue(id, name, windowBuffer));
                }
            }
            case PARTITIONS -> {
                if (deleted) {
                    batch.selectionChange(s -> s.partitionDeleted(id));
                } else {
                    UUID queueId = row.uuid(c[1]);
                    String name = row.text(c[2]);
                    batch.selectionChange(s -> s.partition(id, queueId, name));
                }
            }
            case CONSUMERS -> {
                if (deleted) {
                    batch.selectionChange(s -> s.consumerDeleted(id));
                } else {
                    UUID partition = row.uuid(c[1]);
                    if (partition == null) {
                        return;
                    }
                    String group = row.text(c[2]);
                    UUID cursor = row.isNull(c[3]) ? new UUID(0, 0) : row.uuid(c[3]);
                    Long cursorAt = orNull(row.timestampMicros(c[4]));
                    Long consumedAt = orNull(row.timestampMicros(c[5]));
                    Long lease = orNull(row.timestampMicros(c[6]));
                    batch.selectionChange(s -> s.consumer(id, partition, group, cursor, cursorAt, consumedAt, lease));
                }
            }
            case LOOKUP -> {
                if (deleted) {
                    batch.selectionChange(s -> s.lookupDeleted(id));
                } else {
                    String queue = row.text(c[1]);
                    UUID partition = row.uuid(c[2]);
                    UUID message = row.uuid(c[3]);
                    long created = row.timestampMicros(c[4]);
                    batch.selectionChange(s -> s.lookup(id, queue, partition, message, created));
                }
            }
            default -> batch.ignored();
        }
    }

    private static Long orNull(long micros) {
        return micros == Long.MIN_VALUE ? null : micros;
    }
}
