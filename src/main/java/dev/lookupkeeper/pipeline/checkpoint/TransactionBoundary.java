package dev.lookupkeeper.pipeline.checkpoint;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Decides which record may be marked processed. A batch can end inside a transaction, and rows of
 * one multi-row insert can share one LSN; a source offset stored in the middle of such a group
 * makes Debezium skip the rest of the group on restart. So only the last record of the newest
 * complete transaction is marked (its offset covers everything before it): a transaction is
 * complete once a record of a later one has arrived. Only that one record is kept between
 * batches, never the rows of an open transaction, so a huge transaction costs no heap here.
 * Replaying the open transaction after a crash is harmless because the upsert is monotonic.
 *
 * @param <R> record type
 */
public final class TransactionBoundary<R> {
    private final ToLongFunction<R> txId;
    /** The last record seen so far; its transaction may still be open. */
    private R tail;

    /** @param txId transaction id of a record, or -1 for records outside any transaction */
    public TransactionBoundary(ToLongFunction<R> txId) {
        this.txId = txId;
    }

    /**
     * Takes a batch (already applied to the lookup) and returns the record to mark processed —
     * the last record of the newest transaction now known to be complete — or null when no
     * transaction completed.
     */
    public R complete(List<R> batch) {
        if (batch.isEmpty()) {
            return null;
        }
        R last = batch.get(batch.size() - 1);
        long lastTx = txId.applyAsLong(last);
        R mark;
        if (lastTx < 0) {
            mark = last; // outside any transaction: complete at once
        } else {
            int i = batch.size() - 1;
            while (i >= 0 && txId.applyAsLong(batch.get(i)) == lastTx) {
                i--;
            }
            if (i >= 0) {
                mark = batch.get(i);
            } else {
                // the whole batch continues one transaction: the previous tail completed only if it belonged to another
                mark = tail != null && txId.applyAsLong(tail) != lastTx ? tail : null;
            }
        }
        tail = lastTx < 0 ? null : last;
        return mark;
    }

    /** Whether a record of a possibly open transaction is held back. */
    public boolean holdsBack() {
        return tail != null;
    }
}
