package dev.lookupkeeper.source.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.lookupkeeper.source.MalformedEventException;
import dev.lookupkeeper.source.MessageInserted;
import java.io.IOException;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/**
 * Reads Debezium change events for queen.messages as Kafka Connect's JsonConverter writes them,
 * with schemas enabled ({"schema": …, "payload": envelope}) or disabled (the envelope itself) —
 * detected per record. Snapshot (r) and insert (c) events are applied; tombstones, updates and
 * deletes carry nothing for the lookup. A streaming parse: the schema part, which is most of a
 * schemas-enabled record, is skipped without building a tree.
 */
public final class DebeziumJsonDecoder {
    /** The outcome for one record. */
    public sealed interface Result permits Insert, Ignored {}

    public record Insert(MessageInserted message) implements Result {}

    public record Ignored(String why) implements Result {}

    private static final JsonFactory JSON = new JsonFactory();

    /** The fields of an envelope that matter here. */
    private static final class Envelope {
        String op;
        boolean hasAfter;
        String id;
        String partition;
        String createdAt;
        long commitMs;
        boolean any;
    }

    public Result decode(byte[] value, String position) {
        if (value == null) {
            return new Ignored("tombstone");
        }
        Envelope env = new Envelope();
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                return new Ignored("tombstone");
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
                        return new Ignored("tombstone");
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
            case "c", "r" -> { }
            case "u", "d", "t", "m" -> {
                return new Ignored("op " + env.op);
            }
            default -> throw new MalformedEventException("record at " + position + " has unknown op '" + env.op + "'");
        }
        if (!env.hasAfter) {
            throw new MalformedEventException("record at " + position + " has no 'after' row");
        }
        if (env.partition == null) {
            return new Ignored("message without partition");
        }
        if (env.id == null || env.createdAt == null) {
            throw new MalformedEventException("record at " + position + " lacks id or created_at (is the connector's column list"
                    + " id, partition_id, created_at and time.precision.mode adaptive?)");
        }
        try {
            long micros = dev.lookupkeeper.source.Timestamps.micros(env.createdAt);
            return new Insert(new MessageInserted(UUID.fromString(env.partition), UUID.fromString(env.id), micros, env.commitMs, position));
        } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
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
            case "source" -> {
                if (p.currentToken() == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("ts_ms".equals(f) && v == JsonToken.VALUE_NUMBER_INT) {
                            env.commitMs = p.getLongValue();
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
