package dev.lookupkeeper.source;

import java.util.UUID;

/**
 * One inserted message, as every source reports it. Sources know nothing of SQL.
 *
 * @param createdAtMicros created_at as microseconds since the epoch (exact, unlike a double)
 * @param commitTimeMs when the inserting transaction committed, for lag measurement (0 if unknown)
 * @param position where the event sits in its source (an LSN, or a topic offset), for messages
 */
public record MessageInserted(UUID partitionId, UUID messageId, long createdAtMicros, long commitTimeMs, String position) {}
