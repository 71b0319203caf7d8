package dev.lookupkeeper.pipeline.batch;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * How a source that reads records one by one (Debezium's engine, a Kafka topic) fills the batch the
 * native reader's {@link BatchAssembler} fills: the same newest-per-partition reduction, deletes,
 * watermark and transaction ids. Such a source sees only transactions PostgreSQL already committed,
 * in commit order, but not their commit records: a transaction ends where the next one's first
 * record starts, or with the batch (a transaction a batch splits is then counted in both).
 *
 * <p>The batch's end LSN stays 0: these sources keep their own offsets (Debezium's offset store,
 * Kafka's committed offsets), so the stream's checkpoint row is not theirs to move.
 */
public final class RecordBatchBuilder {
    private static final long NONE = -1;

    private ChangeBatch batch = new ChangeBatch();
    private final Set<Integer> xids = new HashSet<>();
    private long openTx = NONE;
    private long openCommitMs;

    /**
     * Says which transaction the next record belongs to. Call it before each record's content.
     *
     * @param txId the transaction id as the source reports it (pgoutput's 32-bit xid; only its low
     *             32 bits are kept), or a negative value for a record outside any (a heartbeat)
     * @param commitTimeMs when the transaction committed, for the lag histogram (0 if unknown)
     */
    public RecordBatchBuilder record(long txId, long commitTimeMs) {
        if (txId < 0 || txId == openTx) {
            return this;
        }
        closeTransaction();
        openTx = txId;
        openCommitMs = commitTimeMs;
        int xid = (int) txId;
        if (xids.add(xid)) {
            batch.transaction(xid);
        }
        return this;
    }

    public RecordBatchBuilder inserted(UUID partition, UUID message, long createdAtMicros) {
        batch.inserted(partition.getMostSignificantBits(), partition.getLeastSignificantBits(), createdAtMicros,
                message.getMostSignificantBits(), message.getLeastSignificantBits());
        return this;
    }

    public RecordBatchBuilder deleted(UUID message) {
        batch.deleted(message);
        return this;
    }

    /** A TRUNCATE of the messages, or a delete whose key is unknown: every row is checked. */
    public RecordBatchBuilder sweepAll() {
        batch.sweepAll();
        return this;
    }

    public RecordBatchBuilder watermark(long id) {
        batch.watermark(id);
        return this;
    }

    /** A record that carries nothing for the lookup. */
    public RecordBatchBuilder ignored() {
        batch.ignored();
        return this;
    }

    /** The batch so far; the builder starts an empty one. */
    public ChangeBatch build() {
        closeTransaction();
        ChangeBatch done = batch;
        batch = new ChangeBatch();
        xids.clear();
        return done;
    }

    private void closeTransaction() {
        if (openTx != NONE) {
            batch.committed(0, openCommitMs);
            openTx = NONE;
        }
    }
}
