package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.core.LatestMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What a held batch still has to apply: the newest message of each partition the sink could not
 * see (or, in strict mode, could not lock), the deleted messages its rows still point at (strict),
 * and the ids of the batch's transactions — once all of them are visible, a partition still
 * absent was deleted.
 */
record HeldChanges(List<LatestMessage> rows, int[] xids, List<UUID> deleted) {

    /** The rows of these partitions, from {@code tried}. */
    static List<LatestMessage> rowsOf(List<LatestMessage> tried, List<UUID> partitions) {
        if (partitions.isEmpty()) {
            return List.of();
        }
        Set<UUID> wanted = new HashSet<>(partitions);
        return tried.stream().filter(r -> wanted.contains(r.partitionId())).toList();
    }

    boolean isEmpty() {
        return rows.isEmpty() && deleted.isEmpty();
    }
}
