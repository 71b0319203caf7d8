package dev.lookupkeeper.sink;

import dev.lookupkeeper.source.MessageInserted;
import dev.lookupkeeper.source.Uuids;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reduces a batch of inserts to one candidate per partition: the greatest (created_at, id). The
 * order of events does not matter, so out-of-order commits and replayed duplicates coalesce to
 * the same result. Output is sorted by partition id in PostgreSQL's uuid order.
 */
public final class Coalescer {
    private Coalescer() {}

    public static List<LatestMessage> coalesce(List<MessageInserted> events) {
        Map<UUID, LatestMessage> latest = new HashMap<>(Math.max(16, events.size() * 2));
        for (MessageInserted e : events) {
            LatestMessage current = latest.get(e.partitionId());
            if (current == null || !current.isAfter(e.createdAtMicros(), e.messageId())) {
                if (current == null || current.createdAtMicros() != e.createdAtMicros() || !current.messageId().equals(e.messageId())) {
                    latest.put(e.partitionId(), new LatestMessage(e.partitionId(), e.messageId(), e.createdAtMicros()));
                }
            }
        }
        List<LatestMessage> out = new ArrayList<>(latest.values());
        out.sort((a, b) -> Uuids.compare(a.partitionId(), b.partitionId()));
        return out;
    }
}
