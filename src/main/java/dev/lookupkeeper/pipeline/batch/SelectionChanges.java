package dev.lookupkeeper.pipeline.batch;

import java.util.UUID;

/**
 * The changes of the selection's tables a stream carries, as the in-memory selection takes them.
 * Times are epoch microseconds; null stands for SQL NULL.
 */
public interface SelectionChanges {
    void queue(UUID id, String name, int windowBuffer);

    void queueDeleted(UUID id);

    void partition(UUID id, UUID queueId, String name);

    void partitionDeleted(UUID id);

    void consumer(UUID id, UUID partition, String group, UUID cursorId, Long cursorCreatedAt, Long consumedAt, Long leaseExpiresAt);

    void consumerDeleted(UUID id);

    /** A lookup row as written by another writer (the trigger, in trigger mode). */
    void lookup(UUID id, String queue, UUID partition, UUID messageId, long createdAt);

    void lookupDeleted(UUID id);

    /** A TRUNCATE of one of the tables: the model reloads. */
    void truncated(String table);
}
