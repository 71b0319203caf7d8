package dev.lookupkeeper.source;

import java.util.List;

/**
 * What a source hands to the sink in one go.
 *
 * @param messages inserted messages, in source order
 * @param watermark highest lookupkeeper watermark id seen in the batch, 0 if none
 * @param lastPosition position of the last event of the batch (an LSN for the slot), or null
 * @param ignored events that carry nothing for the lookup (heartbeats, messages without partition)
 */
public record SourceBatch(List<MessageInserted> messages, long watermark, String lastPosition, int ignored) {}
