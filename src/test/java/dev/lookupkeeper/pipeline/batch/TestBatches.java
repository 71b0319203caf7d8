package dev.lookupkeeper.pipeline.batch;

import dev.lookupkeeper.core.LatestMessage;
import java.util.List;

/** Batches built by hand for tests of the stages after the reader (one transaction each). */
public final class TestBatches {
    private TestBatches() {}

    /** One transaction as a source that keeps its own offsets hands it: no end LSN, no transaction id. */
    public static ChangeBatch withoutTransactionIds(List<LatestMessage> rows) {
        ChangeBatch b = new ChangeBatch();
        for (LatestMessage r : rows) {
            b.inserted(r.partitionId().getMostSignificantBits(), r.partitionId().getLeastSignificantBits(), r.createdAtMicros(),
                    r.messageId().getMostSignificantBits(), r.messageId().getLeastSignificantBits());
        }
        b.committed(0, System.currentTimeMillis());
        return b;
    }

    /** One transaction deleting these messages. */
    public static ChangeBatch deleting(long endLsn, int xid, List<java.util.UUID> messages) {
        ChangeBatch b = new ChangeBatch();
        b.transaction(xid);
        messages.forEach(b::deleted);
        b.committed(endLsn, System.currentTimeMillis());
        return b;
    }

    /** One transaction {@code xid} ending at {@code endLsn}, inserting these newest messages. */
    public static ChangeBatch transaction(long endLsn, int xid, List<LatestMessage> rows) {
        ChangeBatch b = new ChangeBatch();
        b.transaction(xid);
        for (LatestMessage r : rows) {
            b.inserted(r.partitionId().getMostSignificantBits(), r.partitionId().getLeastSignificantBits(), r.createdAtMicros(),
                    r.messageId().getMostSignificantBits(), r.messageId().getLeastSignificantBits());
        }
        b.committed(endLsn, System.currentTimeMillis());
        return b;
    }
}
