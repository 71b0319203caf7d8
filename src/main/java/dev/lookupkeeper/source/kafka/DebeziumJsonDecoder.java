package dev.lookupkeeper.source.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.source.MalformedEventException;
import dev.lookupkeeper.source.MessageInserted;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/**
 * Reads Debezium change events for queen.messages as Kafka Connect's JsonConverter writes them,
 * with schemas enabled ({"schema": …, "payload": envelope}) or disabled (the envelope itself) —
 * detected per record. Snapshot (r) and insert (c) events are applied; tombstones, updates and
 * deletes carry nothing for the lookup.
 */
public final class DebeziumJsonDecoder {
    /** The outcome for one record. */
    public sealed interface Result permits Insert, Ignored {}

    public record Insert(MessageInserted message) implements Result {}

    public record Ignored(String why) implements Result {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public Result decode(byte[] value, String position) {
        if (value == null) {
            return new Ignored("tombstone");
        }
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (IOException e) {
            throw new MalformedEventException("record at " + position + " is not JSON");
        }
        if (root == null || root.isNull()) {
            return new Ignored("tombstone");
        }
        JsonNode envelope = root.has("payload") && root.has("schema") ? root.get("payload") : root;
        if (envelope == null || envelope.isNull()) {
            return new Ignored("tombstone");
        }
        JsonNode op = envelope.get("op");
        if (op == null || !op.isTextual()) {
            throw new MalformedEventException("record at " + position + " is not a Debezium change event (no op)");
        }
        switch (op.asText()) {
            case "c", "r" -> { }
            case "u", "d", "t", "m" -> {
                return new Ignored("op " + op.asText());
            }
            default -> throw new MalformedEventException("record at " + position + " has unknown op '" + op.asText() + "'");
        }
        JsonNode after = envelope.get("after");
        if (after == null || !after.isObject()) {
            throw new MalformedEventException("record at " + position + " has no 'after' row");
        }
        JsonNode partition = after.get("partition_id");
        if (partition == null || partition.isNull()) {
            return new Ignored("message without partition");
        }
        JsonNode id = after.get("id");
        JsonNode createdAt = after.get("created_at");
        if (id == null || !id.isTextual() || createdAt == null || !createdAt.isTextual()) {
            throw new MalformedEventException("record at " + position + " lacks id or created_at (is the connector's column list"
                    + " id, partition_id, created_at and time.precision.mode adaptive?)");
        }
        try {
            JsonNode source = envelope.get("source");
            long commitMs = source != null && source.has("ts_ms") ? source.get("ts_ms").asLong() : 0;
            Instant t = Instant.parse(createdAt.asText());
            long micros = Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
            return new Insert(new MessageInserted(UUID.fromString(partition.asText()), UUID.fromString(id.asText()), micros, commitMs, position));
        } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
            throw new MalformedEventException("record at " + position + " cannot be read: " + e.getMessage());
        }
    }
}
