package dev.lookupkeeper.source.debezium;

import dev.lookupkeeper.source.MalformedEventException;
import dev.lookupkeeper.source.MessageInserted;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/** Reads Debezium's change-event envelopes (as Kafka Connect structs) into source events. */
final class RecordDecoder {
    enum Kind { MESSAGE, WATERMARK, OTHER }

    private final String messagesTopic;
    private final String watermarkTopic;

    RecordDecoder(String queueSchema, String schema) {
        this.messagesTopic = EngineProperties.TOPIC_PREFIX + "." + queueSchema + ".messages";
        this.watermarkTopic = EngineProperties.TOPIC_PREFIX + "." + schema + ".watermark";
    }

    Kind kind(SourceRecord r) {
        if (!(r.value() instanceof Struct)) {
            return Kind.OTHER;
        }
        String topic = r.topic();
        if (messagesTopic.equals(topic)) {
            return Kind.MESSAGE;
        }
        if (watermarkTopic.equals(topic)) {
            return Kind.WATERMARK;
        }
        return Kind.OTHER;
    }

    /** @return the insert, or null for an event that carries nothing for the lookup */
    MessageInserted message(SourceRecord r) {
        Struct envelope = (Struct) r.value();
        Struct after = after(envelope, r);
        if (after == null) {
            return null;
        }
        String partition = after.getString("partition_id");
        if (partition == null) {
            return null; // a message without a partition has no lookup row to maintain
        }
        String id = after.getString("id");
        String createdAt = after.getString("created_at");
        if (id == null || createdAt == null) {
            throw new MalformedEventException("insert at " + position(r) + " lacks id or created_at");
        }
        try {
            Struct source = envelope.getStruct("source");
            long commitMs = source == null || source.get("ts_ms") == null ? 0 : source.getInt64("ts_ms");
            return new MessageInserted(UUID.fromString(partition), UUID.fromString(id), micros(createdAt), commitMs, lsnText(source));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new MalformedEventException("insert at " + position(r) + " cannot be read: " + e.getMessage());
        }
    }

    long watermark(SourceRecord r) {
        Struct after = after((Struct) r.value(), r);
        if (after == null || after.get("id") == null) {
            return 0;
        }
        return after.getInt64("id");
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

    private static Struct after(Struct envelope, SourceRecord r) {
        Field op = envelope.schema().field("op");
        if (op == null) {
            throw new MalformedEventException("event at " + position(r) + " is not a Debezium change event");
        }
        String o = envelope.getString("op");
        if (!"c".equals(o) && !"r".equals(o)) {
            return null; // publish='insert' means this does not happen; ignore rather than guess
        }
        return envelope.getStruct("after");
    }

    private static String lsnText(Struct source) {
        if (source == null || source.schema().field("lsn") == null || source.get("lsn") == null) {
            return null;
        }
        return lsnText(source.getInt64("lsn"));
    }

    static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /** ISO-8601 instant (Debezium's ZonedTimestamp) to exact epoch microseconds. */
    static long micros(String iso) {
        return dev.lookupkeeper.source.Timestamps.micros(iso);
    }
}
