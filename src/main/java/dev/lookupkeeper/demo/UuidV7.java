package dev.lookupkeeper.demo;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Time-ordered UUIDv7 ids (ms timestamp + sequence), as the queue's server generates them. */
public final class UuidV7 {
    private static final AtomicLong LAST = new AtomicLong();

    private UuidV7() {}

    public static UUID next() {
        long now = System.currentTimeMillis();
        // 12-bit sequence under the millisecond keeps ids of one process strictly increasing
        long packed = LAST.updateAndGet(prev -> {
            long prevMs = prev >>> 12;
            return now > prevMs ? now << 12 : prev + 1;
        });
        long ms = packed >>> 12;
        long seq = packed & 0xFFF;
        long msb = (ms << 16) | 0x7000L | seq;
        long lsb = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
