package dev.lookupkeeper.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Lookup changes strict consistency could not apply yet because another transaction held their
 * rows (a committed DELETE of a queue or partition waiting for the sidecar to confirm it). They
 * ride along with the next batch, or are retried on their own when the stream is idle; while any
 * are held, the checkpoint stays where it was, so a crash re-bootstraps rather than losing them.
 * One owner: the writer thread of a stream.
 */
final class DeferredChanges {
    private final Map<UUID, LatestMessage> rows = new HashMap<>();
    private final Set<UUID> deleted = new LinkedHashSet<>();
    private boolean sweep;
    /** When each partition was first found unseen (invisible or deleted). */
    private final Map<UUID, Long> unseenSince = new HashMap<>();
    static final long UNSEEN_GIVE_UP_MS = 30_000;

    boolean isEmpty() {
        return rows.isEmpty() && deleted.isEmpty() && !sweep;
    }

    /** The batch's rows plus the held ones (the newer of the two per partition); empties the held rows. */
    List<LatestMessage> withRows(List<LatestMessage> batchRows) {
        if (rows.isEmpty()) {
            return batchRows;
        }
        Map<UUID, LatestMessage> merged = new HashMap<>(rows);
        for (LatestMessage m : batchRows) {
            LatestMessage held = merged.get(m.partitionId());
            if (held == null || m.isAfter(held.createdAtMicros(), held.messageId())) {
                merged.put(m.partitionId(), m);
            }
        }
        rows.clear();
        List<LatestMessage> out = new ArrayList<>(merged.values());
        out.sort((a, b) -> a.partitionId().compareTo(b.partitionId()));
        return out;
    }

    List<UUID> withDeleted(List<UUID> batchDeleted) {
        if (deleted.isEmpty()) {
            return batchDeleted;
        }
        Set<UUID> all = new LinkedHashSet<>(deleted);
        all.addAll(batchDeleted);
        deleted.clear();
        return new ArrayList<>(all);
    }

    boolean withSweep(boolean batchSweep) {
        boolean s = sweep || batchSweep;
        sweep = false;
        return s;
    }

    /** Holds the rows of these partitions (from the rows just tried). */
    void holdRows(List<LatestMessage> tried, Collection<UUID> partitions) {
        Set<UUID> busy = new HashSet<>(partitions);
        for (LatestMessage m : tried) {
            if (busy.contains(m.partitionId())) {
                rows.put(m.partitionId(), m);
            }
        }
    }

    /**
     * Of the partitions an upsert could not see, those to hold: a partition invisible for less than
     * {@link #UNSEEN_GIVE_UP_MS} (its transaction waits for the confirmation that follows this
     * batch); one unseen for longer was deleted, and is let go.
     */
    List<UUID> unseenStillWorthWaitingFor(List<UUID> unseen, long nowMs) {
        if (unseen.isEmpty()) {
            unseenSince.clear();
            return unseen;
        }
        Set<UUID> current = new HashSet<>(unseen);
        unseenSince.keySet().retainAll(current);
        List<UUID> out = new ArrayList<>();
        for (UUID p : unseen) {
            long since = unseenSince.computeIfAbsent(p, k -> nowMs);
            if (nowMs - since < UNSEEN_GIVE_UP_MS) {
                out.add(p);
            } else {
                unseenSince.remove(p);
            }
        }
        return out;
    }

    void holdDeleted(Collection<UUID> ids) {
        deleted.addAll(ids);
    }

    void holdSweep() {
        sweep = true;
    }

    int size() {
        return rows.size() + deleted.size() + (sweep ? 1 : 0);
    }
}
