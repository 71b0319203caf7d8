package dev.lookupkeeper.core;

import java.util.UUID;

/** The newest message of one partition within a batch: a candidate lookup row. */
public record LatestMessage(UUID partitionId, UUID messageId, long createdAtMicros) {

    /** True when this message is later than the other by the (created_at, id) rule. */
    public boolean isAfter(long otherCreatedAtMicros, UUID otherMessageId) {
        if (createdAtMicros != otherCreatedAtMicros) {
            return createdAtMicros > otherCreatedAtMicros;
        }
        return Uuids.compare(messageId, otherMessageId) > 0;
    }
}
