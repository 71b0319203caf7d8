package dev.lookupkeeper.pipeline.batch;

import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.core.Uuids;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The newest (created_at, id) per partition, kept in flat arrays with open addressing: the hot
 * path of the stream (one probe per inserted row) allocates nothing. Its size is the number of
 * partitions a batch touches.
 */
final class NewestByPartition {
    private long[] keyHi = new long[1024];
    private long[] keyLo = new long[1024];
    private long[] created = new long[1024];
    private long[] idHi = new long[1024];
    private long[] idLo = new long[1024];
    private boolean[] used = new boolean[1024];
    private int size;

    int size() {
        return size;
    }

    /** Keeps the message if it is newer than the partition's so far, by (created_at, id). */
    void offer(long pHi, long pLo, long createdAt, long mHi, long mLo) {
        int mask = used.length - 1;
        int i = hash(pHi, pLo) & mask;
        while (used[i]) {
            if (keyHi[i] == pHi && keyLo[i] == pLo) {
                if (createdAt > created[i] || createdAt == created[i] && compareUnsigned(mHi, mLo, idHi[i], idLo[i]) > 0) {
                    created[i] = createdAt;
                    idHi[i] = mHi;
                    idLo[i] = mLo;
                }
                return;
            }
            i = (i + 1) & mask;
        }
        used[i] = true;
        keyHi[i] = pHi;
        keyLo[i] = pLo;
        created[i] = createdAt;
        idHi[i] = mHi;
        idLo[i] = mLo;
        if (++size * 2 > used.length) {
            grow();
        }
    }

    /** The entries, in PostgreSQL's uuid order of partition. */
    List<LatestMessage> sorted() {
        List<LatestMessage> out = new ArrayList<>(size);
        for (int i = 0; i < used.length; i++) {
            if (used[i]) {
                out.add(new LatestMessage(new UUID(keyHi[i], keyLo[i]), new UUID(idHi[i], idLo[i]), created[i]));
            }
        }
        out.sort((a, b) -> Uuids.compare(a.partitionId(), b.partitionId()));
        return out;
    }

    private void grow() {
        long[] kh = keyHi;
        long[] kl = keyLo;
        long[] c = created;
        long[] ih = idHi;
        long[] il = idLo;
        boolean[] u = used;
        int n = u.length * 2;
        keyHi = new long[n];
        keyLo = new long[n];
        created = new long[n];
        idHi = new long[n];
        idLo = new long[n];
        used = new boolean[n];
        size = 0;
        for (int i = 0; i < u.length; i++) {
            if (u[i]) {
                offer(kh[i], kl[i], c[i], ih[i], il[i]);
            }
        }
    }

    private static int hash(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL;
        return (int) (h ^ h >>> 29);
    }

    private static int compareUnsigned(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }
}
