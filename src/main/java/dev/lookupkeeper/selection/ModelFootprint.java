package dev.lookupkeeper.selection;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The heap the in-memory selection takes for a queue of N partitions with a lookup row each and
 * G consumer groups that have each consumed every partition (the worst case: every index full),
 * measured as the heap retained after full collections. For the benchmark.
 */
public final class ModelFootprint {
    private ModelFootprint() {}

    /** @return bytes retained by a model of this size */
    public static long measure(int partitions, int groups) {
        long before = retainedHeap();
        SelectionModel model = fill(partitions, groups);
        long after = retainedHeap();
        if (model.describe().isEmpty()) {
            throw new IllegalStateException("unreachable: keeps the model alive until measured");
        }
        return after - before;
    }

    private static SelectionModel fill(int partitions, int groups) {
        SelectionModel model = new SelectionModel();
        UUID queue = UUID.randomUUID();
        long now = System.currentTimeMillis() * 1000;
        List<Runnable> changes = new ArrayList<>();
        changes.add(() -> model.putQueue(new SelectionModel.Queue(queue, "footprint", 0)));
        model.apply(changes);
        for (int i = 0; i < partitions; i++) {
            UUID p = UUID.randomUUID();
            UUID message = UUID.randomUUID();
            long created = now - i;
            model.putPartition(new SelectionModel.Partition(p, queue, "p-" + i));
            model.putLookup(new SelectionModel.LookupRow(UUID.randomUUID(), "footprint", p, message, created));
            for (int g = 0; g < groups; g++) {
                model.putConsumer(new SelectionModel.Consumer(UUID.randomUUID(), p, "group-" + g, message, created, now - g - i, null));
            }
        }
        return model;
    }

    private static long retainedHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
