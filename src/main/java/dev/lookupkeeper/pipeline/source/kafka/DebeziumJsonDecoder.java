package dev.lookupkeeper.pipeline.source.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.lookupkeeper.pipeline.batch.RecordBatchBuilder;
import dev.lookupkeeper.pipeline.source.MalformedEventException;
import java.io.IOException;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/**
 * Reads Debezium change events for queen.messages as Kafka Connect's JsonConverter writes them,
 * with schemas enabled ({"schema": …, "payload": envelope}) or disabled (the envelope itself) —
 * detected per record — into the stream's batch. Snapshot (r) and insert (c) events are inserts,
 * deletes (d) are deletes of a message (if the connector's publication publishes them), a TRUNCATE
 * (t) checks every row; tombstones and updates carry nothing for the lookup. A streaming parse: the
 * schema part, which is most of a schemas-enabled record, is skipped without building a tree. A
 * record that cannot be read throws before it touched the batch, so a caller may skip it.
 */
public final class DebeziumJsonDecoder {
    private static final JsonFactory JSON = new JsonFactory();

    /** The fields of an envelope that matter here. */
    private static final class Envelope {
        String op;
        boolean hasAfter;
        String id;
        String partition;
        String createdAt;
        String beforeId;
        long commitMs;
        long txId = -1;
        boolean any;
    }

    /** Adds one record to the batch, or throws a MalformedEventException naming its position. */
    public void decode(byte[] value, String position, RecordBatchBuilder batch) {
        if (value == null) {
            batch.ignored(); // a tombstone
            return;
        }
        Envelope env = new Envelope();
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                batch.ignored();
                return;
            }
            if (first != JsonToken.START_OBJECT) {
                throw new MalformedEventException("record at " + position + " is not a JSON object");
            }
            boolean wrapped = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("schema".equals(name)) {
                    p.skipChildren();
                } else if ("payload".equals(name)) {
                    wrapped = true;
                    if (t == JsonToken.VALUE_NULL) {
                        batch.ignored();
                        return;
                    }
                    if (t != JsonToken.START_OBJECT) {
                        throw new MalformedEventException("record at " + position + " has a payload that is not an object");
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        envelopeField(p, f, env);
                    }
                } else {
                    envelopeField(p, name, env);
                }
            }
            if (!wrapped && !env.any) {
                throw new MalformedEventException("record at " + position + " is not a Debezium change event (no op)");
            }
        } catch (IOException e) {
            throw new MalformedEventException("record at " + position + " is not valid JSON");
        }
        if (env.op == null) {
            throw new MalformedEventException("record at " + position + " is not a Debezium change event (no op)");
        }
        switch (env.op) {
            case "c", "r" -> inserted(env, position, batch);
            case "d" -> {
                UUID id = env.beforeId == null ? null : uuid(env.beforeId, position);
                batch.record(env.txId, env.commitMs);
                if (id == null) {
                    batch.sweepAll(); // a replica identity without the id: every row is checked
                } else {
                    batch.deleted(id);
                }
            }
            case "t" -> batch.record(env.txId, env.commitMs).sweepAll();
            case "u", "m" -> batch.ignored();
            default -> throw new MalformedEventException("record at " + position + " has unknown op '" + env.op + "'");
        }
    }

    private static void inserted(Envelope env, String position, RecordBatchBuilder batch) {
        if (!env.hasAfter) {
            throw new MalformedEventException("record at " + position + " has no 'after' row");
        }
        if (env.partition == null) {
            batch.ignored(); // a message without a partition has no lookup row to maintain
            return;
        }
        if (env.id == null || env.createdAt == null) {
            throw new MalformedEventException("record at " + position + " lacks id or created_at (is the connector's column list"
                    + " id, partition_id, created_at and time.precision.mode adaptive?)");
        }
        UUID partition = uuid(env.partition, position);
        UUID id = uuid(env.id, position);
        long micros;
        try {
            micros = dev.lookupkeeper.pipeline.source.Timestamps.micros(env.createdAt);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new MalformedEventException("record at " + position + " cannot be read: " + e.getMessage());
        }
        batch.record(env.txId, env.commitMs).inserted(partition, id, micros);
    }

    private static UUID uuid(String text, String position) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("record at " + position + " cannot be read: " + e.getMessage());
        }
    }

    private static void envelopeField(JsonParser p, String name, Envelope env) throws IOException {
        switch (name) {
            case "op" -> {
                env.op = p.currentToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                env.any = true;
            }
            case "after" -> {
                if (p.currentToken() == JsonToken.START_OBJECT) {
                    env.hasAfter = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String col = p.currentName();
                        JsonToken v = p.nextToken();
                        String text = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        switch (col) {
                            case "id" -> env.id = text;
                            case "partition_id" -> env.partition = text;
                            case "created_at" -> env.createdAt = text;
                            default -> p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            case "before" -> {
                if (p.currentToken() == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String col = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("id".equals(col) && v == JsonToken.VALUE_STRING) {
                            env.beforeId = p.getText();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            case "source" -> {
                if (p.currentToken() == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("ts_ms".equals(f) && v == JsonToken.VALUE_NUMBER_INT) {
                            env.commitMs = p.getLongValue();
                        } else if ("txId".equals(f) && v == JsonToken.VALUE_NUMBER_INT) {
                            env.txId = p.getLongValue();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            default -> p.skipChildren();
        }
    }
}
