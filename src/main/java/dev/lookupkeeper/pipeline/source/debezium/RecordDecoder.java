package dev.lookupkeeper.pipeline.source.debezium;

import dev.lookupkeeper.pipeline.batch.RecordBatchBuilder;
import dev.lookupkeeper.pipeline.source.MalformedEventException;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Reads Debezium's change-event envelopes (as Kafka Connect structs) into the stream's batch:
 * inserts of messages, deletes of messages (the publication publishes them; the key is the id),
 * TRUNCATEs of messages (only if the engine is told to emit them), and watermark inserts.
 */
final class RecordDecoder {
    private final String messagesTopic;
    private final String watermarkTopic;

    RecordDecoder(String queueSchema, String schema) {
        this.messagesTopic = EngineProperties.TOPIC_PREFIX + "." + queueSchema + ".messages";
        this.watermarkTopic = EngineProperties.TOPIC_PREFIX + "." + schema + ".watermark";
    }

    /** Adds one record to the batch; throws on an event of the messages table it cannot read. */
    void decode(SourceRecord r, RecordBatchBuilder batch) {
        if (!(r.value() instanceof Struct envelope)) {
            batch.ignored(); // heartbeats, transaction markers
            return;
        }
        String topic = r.topic();
        boolean messages = messagesTopic.equals(topic);
        if (!messages && !watermarkTopic.equals(topic)) {
            batch.ignored();
            return;
        }
        String op = op(envelope, r);
        batch.record(txId(r), commitMs(envelope));
        if (!messages) {
            Struct after = "c".equals(op) || "r".equals(op) ? envelope.getStruct("after") : null;
            if (after == null || after.get("id") == null) {
                batch.ignored(); // the heartbeat's clean-up deletes
            } else {
                batch.watermark(after.getInt64("id"));
            }
            return;
        }
        switch (op) {
            case "c", "r" -> inserted(envelope.getStruct("after"), r, batch);
            case "d" -> deleted(envelope.getStruct("before"), r, batch);
            case "t" -> batch.sweepAll();
            default -> batch.ignored(); // the publication publishes no updates
        }
    }

    private static void inserted(Struct after, SourceRecord r, RecordBatchBuilder batch) {
        if (after == null) {
            throw new MalformedEventException("insert at " + position(r) + " has no 'after' row");
        }
        String partition = after.getString("partition_id");
        if (partition == null) {
            batch.ignored(); // a message without a partition has no lookup row to maintain
            return;
        }
        String id = after.getString("id");
        String createdAt = after.getString("created_at");
        if (id == null || createdAt == null) {
            throw new MalformedEventException("insert at " + position(r) + " lacks id or created_at");
        }
        try {
            batch.inserted(UUID.fromString(partition), UUID.fromString(id), micros(createdAt));
        } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
            throw new MalformedEventException("insert at " + position(r) + " cannot be read: " + e.getMessage());
        }
    }

    private static void deleted(Struct before, SourceRecord r, RecordBatchBuilder batch) {
        String id = before == null || before.schema().field("id") == null ? null : before.getString("id");
        if (id == null) {
            batch.sweepAll(); // a replica identity without the id: every row is checked
            return;
        }
        try {
            batch.deleted(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("delete at " + position(r) + " cannot be read: " + e.getMessage());
        }
    }

    private static long commitMs(Struct envelope) {
        if (envelope.schema().field("source") == null) {
            return 0;
        }
        Struct source = envelope.getStruct("source");
        return source == null || source.schema().field("ts_ms") == null || source.get("ts_ms") == null ? 0 : source.getInt64("ts_ms");
    }

    /** Transaction id of a record, -1 when it has none (heartbeats and the like). */
    static long txId(SourceRecord r) {
        if (!(r.value() instanceof Struct v) || v.schema().field("source") == null) {
            return -1;
        }
        Struct source = v.getStruct("source");
        if (source == null || source.schema().field("txId") == null) {
            return -1;
        }
        Object tx = source.get("txId");
        return tx instanceof Long l ? l : -1;
    }

    static String position(SourceRecord r) {
        Object lsn = r.sourceOffset() == null ? null : r.sourceOffset().get("lsn");
        return lsn instanceof Long l ? lsnText(l) : String.valueOf(r.sourceOffset());
    }

    private static String op(Struct envelope, SourceRecord r) {
        Field op = envelope.schema().field("op");
        String o = op == null ? null : envelope.getString("op");
        if (o == null) {
            throw new MalformedEventException("event at " + position(r) + " is not a Debezium change event");
        }
        return o;
    }

    static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /** ISO-8601 instant (Debezium's ZonedTimestamp) to exact epoch microseconds. */
    static long micros(String iso) {
        return dev.lookupkeeper.pipeline.source.Timestamps.micros(iso);
    }
}
