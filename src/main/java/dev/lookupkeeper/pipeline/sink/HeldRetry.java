package dev.lookupkeeper.pipeline.sink;

import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.core.Uuids;
import dev.lookupkeeper.pipeline.checkpoint.Checkpointer;
import dev.lookupkeeper.pipeline.checkpoint.SettledPrefix;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Eventual consistency's way of applying held batches again: every held batch in one snapshot
 * and one upsert, however many are held. A batch whose rows are now all applied, or that is
 * provably visible (what is still unseen was deleted), is settled. Also decides when a try is
 * due: often while the oldest is young (a commit delivered a moment before it is visible, the
 * common case), rarely once it waits for something else (a standby that is away), so a loaded
 * stream does not pay a retry per batch.
 */
final class HeldRetry {
    private static final long YOUNG_NANOS = 2_000_000;
    private static final long OLD_NANOS = 100_000_000;
    private static final long YOUNG_MS = 1_000;

    private final DataSource dataSource;
    private final LookupWriter writer;
    private final TransactionVisibility visibility;
    private final Checkpointer<HeldChanges> checkpoint;
    private long lastTryNanos;

    HeldRetry(DataSource dataSource, LookupWriter writer, TransactionVisibility visibility, Checkpointer<HeldChanges> checkpoint) {
        this.dataSource = dataSource;
        this.writer = writer;
        this.visibility = visibility;
        this.checkpoint = checkpoint;
    }

    /** Whether batches are held and their retry interval is up. */
    boolean due() {
        if (!checkpoint.holding()) {
            return false;
        }
        long age = System.currentTimeMillis() - checkpoint.oldestHeldSinceMs();
        return System.nanoTime() - lastTryNanos >= (age < YOUNG_MS ? YOUNG_NANOS : OLD_NANOS);
    }

    /** A try is being made (by this class or, strict, by {@link LockSkippingApply}). */
    void tried() {
        lastTryNanos = System.nanoTime();
    }

    /** @return rows the try changed */
    int retry() throws SQLException, InterruptedException {
        tried();
        List<SettledPrefix.Held<HeldChanges>> units = checkpoint.held();
        if (units.isEmpty()) {
            return 0;
        }
        List<int[]> xidSets = new ArrayList<>();
        Map<UUID, LatestMessage> newest = new HashMap<>();
        for (SettledPrefix.Held<HeldChanges> h : units) {
            xidSets.add(h.pending().xids());
            for (LatestMessage m : h.pending().rows()) {
                newest.merge(m.partitionId(), m, (a, b) -> a.isAfter(b.createdAtMicros(), b.messageId()) ? a : b);
            }
        }
        List<LatestMessage> rows = new ArrayList<>(newest.values());
        rows.sort((a, b) -> Uuids.compare(a.partitionId(), b.partitionId()));
        int changed = Retry.whileTransient(() -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                // visibility first: the upsert's snapshot is then no older than this one
                TransactionVisibility.View view = visibility.view(c, xidSets);
                LookupWriter.Upserted u = writer.upsert(c, rows, 0, null, null, null);
                for (SettledPrefix.Held<HeldChanges> h : units) {
                    HeldChanges p = h.pending();
                    List<LatestMessage> still = HeldChanges.rowsOf(p.rows(), u.unseen());
                    if (still.isEmpty() || view.shows(p.xids(), p.horizon())) {
                        checkpoint.settle(c, h); // applied, or its partitions provably gone
                    } else {
                        checkpoint.stillPending(h, p.withRows(still, List.of()));
                    }
                }
                return u.changed();
            }
        });
        checkpoint.warnIfHeldLong(System.currentTimeMillis());
        return changed;
    }
}
