package dev.lookupkeeper.selection;

import dev.lookupkeeper.core.Uuids;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The selection's inputs kept in memory — lookup rows, consumer cursors and leases, partitions,
 * queues' window buffers — fed by a change stream of those tables, and answering the selection
 * with the queue's exact semantics without touching the database. Two ordered indexes do the work
 * the database cannot do cheaply: per queue, lookup rows by newest message (the NULLS FIRST part:
 * partitions a group never consumed), and per queue and group, consumed partitions by
 * last_consumed_at. All times are epoch microseconds; null stands for SQL NULL.
 */
public final class SelectionModel {
    /** Empties the model (before a reload). */
    void clear() {
        queues.clear();
        queuesByName.clear();
        partitions.clear();
        lookupById.clear();
        lookupByPartition.clear();
        newestByQueue.clear();
        consumersById.clear();
        consumersByGroup.clear();
        consumedOrder.clear();
        keyByConsumer.clear();
        queueByConsumer.clear();
    }

    record Queue(UUID id, String name, int windowBuffer) {}

    record Partition(UUID id, UUID queueId, String name) {}

    record LookupRow(UUID id, String queue, UUID partition, UUID messageId, long createdAt) {}

    record Consumer(UUID id, UUID partition, String group, UUID cursorId, Long cursorCreatedAt, Long consumedAt, Long leaseExpiresAt) {}

    /** Position of a consumed partition in its group's order. */
    private record ConsumedKey(long consumedAt, long createdAt, UUID partition) {}

    private static final Comparator<LookupRow> NEWEST_FIRST = Comparator.comparingLong(LookupRow::createdAt).reversed()
            .thenComparing(LookupRow::partition, Uuids::compare);
    private static final Comparator<ConsumedKey> CONSUMED_ORDER = Comparator.comparingLong(ConsumedKey::consumedAt)
            .thenComparing(Comparator.comparingLong(ConsumedKey::createdAt).reversed())
            .thenComparing(ConsumedKey::partition, Uuids::compare);

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<UUID, Queue> queues = new HashMap<>();
    private final Map<String, Queue> queuesByName = new HashMap<>();
    private final Map<UUID, Partition> partitions = new HashMap<>();
    private final Map<UUID, LookupRow> lookupById = new HashMap<>();
    private final Map<UUID, LookupRow> lookupByPartition = new HashMap<>();
    private final Map<String, NavigableSet<LookupRow>> newestByQueue = new HashMap<>();
    private final Map<UUID, Consumer> consumersById = new HashMap<>();
    /** group → partition → consumer row */
    private final Map<String, Map<UUID, Consumer>> consumersByGroup = new HashMap<>();
    /** queue → group → consumed partitions in order */
    private final Map<String, Map<String, NavigableSet<ConsumedKey>>> consumedOrder = new HashMap<>();
    private final Map<UUID, ConsumedKey> keyByConsumer = new HashMap<>();
    private final Map<UUID, String> queueByConsumer = new HashMap<>();

    /** Applies a batch of changes under one write lock. */
    public void apply(List<Runnable> changes) {
        lock.writeLock().lock();
        try {
            changes.forEach(Runnable::run);
        } finally {
            lock.writeLock().unlock();
        }
    }

    void putQueue(Queue q) {
        Queue old = queues.put(q.id(), q);
        if (old != null) {
            queuesByName.remove(old.name());
        }
        queuesByName.put(q.name(), q);
    }

    void removeQueue(UUID id) {
        Queue old = queues.remove(id);
        if (old != null) {
            queuesByName.remove(old.name());
        }
    }

    void putPartition(Partition p) {
        partitions.put(p.id(), p);
    }

    /** A deleted partition takes its lookup row with it (the foreign key cascades). */
    void removePartition(UUID id) {
        partitions.remove(id);
        removeLookupOfPartition(id);
    }

    void putLookup(LookupRow row) {
        if (row.id() != null) {
            removeLookup(row.id());
        }
        LookupRow old = lookupByPartition.get(row.partition());
        if (old != null) {
            removeRow(old);
        }
        if (row.id() != null) {
            lookupById.put(row.id(), row);
        }
        lookupByPartition.put(row.partition(), row);
        newestByQueue.computeIfAbsent(row.queue(), k -> new TreeSet<>(NEWEST_FIRST)).add(row);
        reorderConsumers(row.partition());
    }

    void removeLookup(UUID id) {
        LookupRow old = lookupById.get(id);
        if (old != null) {
            removeRow(old);
        }
    }

    /**
     * The lookup sink applied (partition, message) with its monotonic rule: the model follows it
     * without a stream of partition_lookup. Rows of unknown partitions (deleted meanwhile) are skipped.
     */
    void advanceLookup(UUID partition, UUID messageId, long createdAt) {
        LookupRow old = lookupByPartition.get(partition);
        if (old != null && (old.createdAt() > createdAt || old.createdAt() == createdAt && Uuids.compare(old.messageId(), messageId) >= 0)) {
            return;
        }
        setLookup(partition, messageId, createdAt, old);
    }

    /** A healed row: moved (possibly backwards) to the given message. */
    void setLookup(UUID partition, UUID messageId, long createdAt) {
        setLookup(partition, messageId, createdAt, lookupByPartition.get(partition));
    }

    private void setLookup(UUID partition, UUID messageId, long createdAt, LookupRow old) {
        String queue = old != null ? old.queue() : queueOf(partition);
        if (queue == null) {
            return;
        }
        putLookup(new LookupRow(old == null ? null : old.id(), queue, partition, messageId, createdAt));
    }

    void removeLookupOfPartition(UUID partition) {
        LookupRow old = lookupByPartition.get(partition);
        if (old != null) {
            removeRow(old);
        }
    }

    private String queueOf(UUID partition) {
        Partition p = partitions.get(partition);
        Queue q = p == null || p.queueId() == null ? null : queues.get(p.queueId());
        return q == null ? null : q.name();
    }

    private void removeRow(LookupRow old) {
        if (old.id() != null) {
            lookupById.remove(old.id());
        }
        if (lookupByPartition.get(old.partition()) == old) {
            lookupByPartition.remove(old.partition());
        }
        NavigableSet<LookupRow> set = newestByQueue.get(old.queue());
        if (set != null) {
            set.remove(old);
        }
        reorderConsumers(old.partition());
    }

    void putConsumer(Consumer c) {
        removeConsumer(c.id());
        consumersById.put(c.id(), c);
        consumersByGroup.computeIfAbsent(c.group(), k -> new HashMap<>()).put(c.partition(), c);
        index(c);
    }

    void removeConsumer(UUID id) {
        Consumer old = consumersById.remove(id);
        if (old != null) {
            Map<UUID, Consumer> byPartition = consumersByGroup.get(old.group());
            if (byPartition != null && byPartition.get(old.partition()) == old) {
                byPartition.remove(old.partition());
            }
            unindex(old);
        }
    }

    /** A consumed partition sorts by last_consumed_at, then by its lookup row's newest message. */
    private void index(Consumer c) {
        LookupRow row = lookupByPartition.get(c.partition());
        if (c.consumedAt() == null || row == null) {
            return;
        }
        ConsumedKey key = new ConsumedKey(c.consumedAt(), row.createdAt(), c.partition());
        keyByConsumer.put(c.id(), key);
        queueByConsumer.put(c.id(), row.queue());
        consumedOrder.computeIfAbsent(row.queue(), k -> new HashMap<>()).computeIfAbsent(c.group(), k -> new TreeSet<>(CONSUMED_ORDER)).add(key);
    }

    private void unindex(Consumer c) {
        ConsumedKey key = keyByConsumer.remove(c.id());
        String queue = queueByConsumer.remove(c.id());
        if (key == null || queue == null) {
            return;
        }
        NavigableSet<ConsumedKey> set = consumedOrder.getOrDefault(queue, Map.of()).get(c.group());
        if (set != null) {
            set.remove(key);
        }
    }

    private void reorderConsumers(UUID partition) {
        for (Map<UUID, Consumer> byPartition : consumersByGroup.values()) {
            Consumer c = byPartition.get(partition);
            if (c != null) {
                unindex(c);
                index(c);
            }
        }
    }

    /** The selection, as candidates.sql computes it, at time nowMicros. */
    public List<PartitionSelector.Candidate> candidates(String queueName, String group, int limit, long nowMicros) {
        lock.readLock().lock();
        try {
            List<PartitionSelector.Candidate> out = new ArrayList<>(Math.min(limit, 256));
            Queue q = queuesByName.get(queueName);
            if (q == null) {
                return out;
            }
            long windowCutoff = q.windowBuffer() > 0 ? nowMicros - q.windowBuffer() * 1_000_000L : Long.MAX_VALUE;
            Map<UUID, Consumer> cursors = consumersByGroup.getOrDefault(group, Map.of());
            // first: partitions the group never consumed (no row, or last_consumed_at NULL), newest message first
            for (LookupRow row : newestByQueue.getOrDefault(queueName, java.util.Collections.emptyNavigableSet())) {
                if (out.size() >= limit) {
                    return out;
                }
                Consumer c = cursors.get(row.partition());
                if (c != null && c.consumedAt() != null) {
                    continue;
                }
                add(out, row, c, windowCutoff, nowMicros);
            }
            // then: consumed partitions, least recently consumed first
            NavigableSet<ConsumedKey> consumed = consumedOrder.getOrDefault(queueName, Map.of()).get(group);
            if (consumed != null) {
                for (ConsumedKey key : consumed) {
                    if (out.size() >= limit) {
                        break;
                    }
                    LookupRow row = lookupByPartition.get(key.partition());
                    if (row != null && row.queue().equals(queueName)) {
                        add(out, row, cursors.get(key.partition()), windowCutoff, nowMicros);
                    }
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    private void add(List<PartitionSelector.Candidate> out, LookupRow row, Consumer c, long windowCutoff, long now) {
        Partition p = partitions.get(row.partition());
        if (p == null || row.createdAt() > windowCutoff) {
            return;
        }
        if (c != null) {
            if (c.leaseExpiresAt() != null && c.leaseExpiresAt() > now) {
                return;
            }
            if (c.cursorCreatedAt() != null) {
                int cmp = Long.compare(row.createdAt(), c.cursorCreatedAt());
                if (cmp < 0 || cmp == 0 && Uuids.compare(row.messageId(), c.cursorId()) <= 0) {
                    return;
                }
            }
        }
        out.add(new PartitionSelector.Candidate(p.id(), p.name()));
    }

    /** Sizes, for logs and tests. */
    public String describe() {
        lock.readLock().lock();
        try {
            return queues.size() + " queues, " + partitions.size() + " partitions, " + lookupById.size() + " lookup rows, "
                    + consumersById.size() + " consumer rows";
        } finally {
            lock.readLock().unlock();
        }
    }
}
