package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.core.LatestMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What a held batch still has to apply: the newest message of each partition the sink could not
 * see (or, in strict mode, could not lock), the deleted messages its rows still point at (strict),
 * the ids of the batch's transactions — once all of them are visible, a partition still absent was
 * deleted — and the snapshot's xmax when it was held (for sources that give no ids: once every
 * transaction running then has ended, it is visible).
 */
record HeldChanges(List<LatestMessage> rows, int[] xids, long horizon, List<UUID> deleted) {

    /** The rows of these partitions, from {@code tried}. */
    static List<LatestMessage> rowsOf(List<LatestMessage> tried, List<UUID> partitions) {
        if (partitions.isEmpty()) {
            return List.of();
        }
        Set<UUID> wanted = new HashSet<>(partitions);
        return tried.stream().filter(r -> wanted.contains(r.partitionId())).toList();
    }

    HeldChanges withRows(List<LatestMessage> still, List<UUID> stillDeleted) {
        return new HeldChanges(still, xids, horizon, stillDeleted);
    }

    boolean isEmpty() {
        return rows.isEmpty() && deleted.isEmpty();
    }
}
