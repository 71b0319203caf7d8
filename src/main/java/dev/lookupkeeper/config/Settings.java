package dev.lookupkeeper.config;

import java.time.Duration;

/**
 * Everything a command needs, validated once at start-up and immutable afterwards.
 *
 * @param queueSchema schema of the queue's tables (queues, partitions, messages, partition_lookup)
 * @param schema lookupkeeper's own schema (state, source offsets, watermarks)
 * @param publication publication on queen.messages that the slot decodes
 * @param slot logical replication slot (pgoutput)
 * @param maxBatchSize most change events handed to the sink at once
 * @param pollInterval how long the engine waits for more events before handing over a batch
 * @param backfillChunk partitions per backfill transaction
 * @param connectAttempts attempts to reach PostgreSQL before giving up (exit 3)
 * @param failoverSlot    create the slot with PostgreSQL 17's {@code failover} flag, so a standby that
 *                        synchronizes slots keeps it across a promotion
 */
public record Settings(
        ConnectionSettings connection,
        String queueSchema,
        String schema,
        String publication,
        String slot,
        int maxBatchSize,
        Duration pollInterval,
        int backfillChunk,
        int connectAttempts,
        ConsistencySettings consistency,
        boolean failoverSlot) {

    public Settings {
        Identifiers.validate("--queue-schema", queueSchema);
        Identifiers.validate("--schema", schema);
        Identifiers.validate("--publication", publication);
        Identifiers.validate("--slot", slot);
        if (queueSchema.equals(schema)) {
            throw new ConfigException("--schema must differ from the queue's schema '" + queueSchema + "'");
        }
        requireRange("--max-batch-size", maxBatchSize, 1, 1_000_000);
        requireRange("--poll-interval-ms", pollInterval.toMillis(), 1, 60_000);
        requireRange("--backfill-chunk", backfillChunk, 1, 1_000_000);
        requireRange("--connect-attempts", connectAttempts, 1, 1000);
        if (consistency == null) {
            consistency = ConsistencySettings.defaults(slot);
        }
    }

    /** Without a failover slot (PostgreSQL 17's {@code failover} flag off, as before 17). */
    public Settings(ConnectionSettings connection, String queueSchema, String schema, String publication, String slot, int maxBatchSize,
                    Duration pollInterval, int backfillChunk, int connectAttempts, ConsistencySettings consistency) {
        this(connection, queueSchema, schema, publication, slot, maxBatchSize, pollInterval, backfillChunk, connectAttempts, consistency, false);
    }

    /** The same settings with the stored defaults of consistency (eventual, application_name = slot). */
    public Settings(ConnectionSettings connection, String queueSchema, String schema, String publication, String slot, int maxBatchSize,
                    Duration pollInterval, int backfillChunk, int connectAttempts) {
        this(connection, queueSchema, schema, publication, slot, maxBatchSize, pollInterval, backfillChunk, connectAttempts, null);
    }

    /** The same settings with another number of connection attempts (1: fail at once, the caller retries). */
    public Settings withConnectAttempts(int attempts) {
        return new Settings(connection, queueSchema, schema, publication, slot, maxBatchSize, pollInterval, backfillChunk, attempts, consistency, failoverSlot);
    }

    /** Publication of the tables the in-memory selection follows. */
    public String selectionPublication() {
        return (publication.length() > 53 ? publication.substring(0, 53) : publication) + "_selection";
    }

    /** Slot of the selection stream; owned by whichever process streams the main slot. */
    public String selectionSlot() {
        return (slot.length() > 53 ? slot.substring(0, 53) : slot) + "_selection";
    }

    /**
     * The replay window's slot: kept a window behind the main stream, never streamed from, only
     * copied by `replay` and advanced by the sidecar.
     */
    public String replaySlot() {
        return (slot.length() > 53 ? slot.substring(0, 53) : slot) + "_replay";
    }

    /** The slot one `replay` streams from: a copy of the replay slot, dropped when the replay ends. */
    public String replayingSlot() {
        return (slot.length() > 53 ? slot.substring(0, 53) : slot) + "_replaying";
    }

    private static void requireRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(option + " is " + value + "; it must be between " + min + " and " + max);
        }
    }

    public Settings withConnection(ConnectionSettings c) {
        return new Settings(c, queueSchema, schema, publication, slot, maxBatchSize, pollInterval, backfillChunk, connectAttempts, consistency, failoverSlot);
    }

    public Settings withNames(String newSchema, String newPublication, String newSlot) {
        return new Settings(connection, queueSchema, newSchema, newPublication, newSlot, maxBatchSize, pollInterval, backfillChunk, connectAttempts, consistency, failoverSlot);
    }
}
