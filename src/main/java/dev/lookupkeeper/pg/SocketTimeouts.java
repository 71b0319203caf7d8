package dev.lookupkeeper.pg;

import java.time.Duration;

/**
 * How long a connection of {@code run} waits for a byte from the server before it gives the
 * connection up (pgjdbc's {@code socketTimeout}). A connection behind a NAT or load balancer that
 * forgot the flow gets neither a byte nor a reset: without a bound, the read waits forever. Each
 * bound is longer than the longest statement that connection runs; the one-shot commands (verify,
 * rebuild, resync, …) keep none, since their statements may run for as long as the table is big.
 */
public final class SocketTimeouts {
    /** The control loop, the leader session and the guards: catalog reads and one-row writes. */
    public static final Duration CONTROL = Duration.ofSeconds(10);
    /** The sink's upserts and checkpoint: a batch's rows, under strict's lock_timeout. */
    public static final Duration SINK = Duration.ofSeconds(20);
    /** Selections served over HTTP. */
    public static final Duration SELECTION = Duration.ofSeconds(30);
    /**
     * Install, slot creation (waits for the transactions in progress to finish) and the backfill's
     * chunks: long, but not forever.
     */
    public static final Duration SETUP = Duration.ofMinutes(15);

    private SocketTimeouts() {}
}
