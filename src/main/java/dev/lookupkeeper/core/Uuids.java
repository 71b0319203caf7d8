package dev.lookupkeeper.core;

import java.util.UUID;

/** UUID helpers that agree with PostgreSQL's ordering. */
public final class Uuids {
    private Uuids() {}

    /**
     * PostgreSQL orders uuid values byte by byte, unsigned. {@link UUID#compareTo} compares the two
     * halves as signed longs and disagrees whenever a top bit is set, so it must not be used here.
     */
    public static int compare(UUID a, UUID b) {
        int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return c != 0 ? c : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }
}
