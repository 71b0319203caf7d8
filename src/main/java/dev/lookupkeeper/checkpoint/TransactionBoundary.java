package dev.lookupkeeper.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Decides which records may be marked processed. A batch can end inside a transaction, and rows
 * of one multi-row insert can share one LSN; a source offset stored in the middle of such a group
 * has made Debezium skip the rest of the group on restart. So only whole transactions are marked:
 * the records of the last transaction seen stay pending until a record of a later transaction
 * arrives. Replaying them after a crash is harmless because the upsert is monotonic.
 *
 * @param <R> record type
 */
public final class TransactionBoundary<R> {
    private final ToLongFunction<R> txId;
    private List<R> pending = new ArrayList<>();

    /** @param txId transaction id of a record, or -1 for records outside any transaction */
    public TransactionBoundary(ToLongFunction<R> txId) {
        this.txId = txId;
    }

    /**
     * Adds a batch (already applied to the lookup) and returns the records, oldest first, whose
     * transactions are complete and may now be marked processed.
     */
    public List<R> complete(List<R> batch) {
        List<R> all = pending;
        all.addAll(batch);
        int cut = all.size();
        if (!all.isEmpty()) {
            long lastTx = txId.applyAsLong(all.get(all.size() - 1));
            if (lastTx >= 0) {
                cut = all.size() - 1;
                while (cut > 0 && txId.applyAsLong(all.get(cut - 1)) == lastTx) {
                    cut--;
                }
            }
        }
        List<R> done = new ArrayList<>(all.subList(0, cut));
        pending = new ArrayList<>(all.subList(cut, all.size()));
        return done;
    }

    public int pendingCount() {
        return pending.size();
    }
}
