package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.core.PipelineStats;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What `/ready` answers, from what the control loop last saw: ready while the loop turns and
 * reaches PostgreSQL and, in CDC mode, this process streams with a batch or heartbeat within the
 * ready bound. The loop writes it; HTTP threads read it.
 */
final class Readiness {
    /** A loop silent for longer is stuck, whatever it last saw. */
    private static final long LOOP_SILENT_MS = 10_000;
    private final String slot;
    private final Duration bound;
    private final PipelineStats stats;
    private final BooleanSupplier streaming;
    private volatile String mode = "cdc";
    private volatile boolean standby;
    private volatile boolean databaseDown;
    private volatile long loopAtMs;

    /** @param streaming whether this process streams into the lookup now */
    Readiness(String slot, Duration bound, PipelineStats stats, BooleanSupplier streaming) {
        this.slot = slot;
        this.bound = bound;
        this.stats = stats;
        this.streaming = streaming;
    }

    /** The mode the loop follows (cdc or trigger). */
    String mode() {
        return mode;
    }

    void mode(String value) {
        mode = value;
    }

    boolean standby() {
        return standby;
    }

    void standby(boolean value) {
        standby = value;
    }

    void databaseDown(boolean value) {
        databaseDown = value;
    }

    /** The loop finished a turn. */
    void turned() {
        loopAtMs = System.currentTimeMillis();
    }

    boolean ready() {
        if (databaseDown) {
            return false;
        }
        long now = System.currentTimeMillis();
        if (now - loopAtMs > LOOP_SILENT_MS) {
            return false;
        }
        if ("trigger".equals(mode)) {
            return true;
        }
        return streaming.getAsBoolean() && now - stats.lastBatchAtMs() < bound.toMillis();
    }

    /** Why it is (not) ready, in words. */
    String describe() {
        if (databaseDown) {
            return "reconnecting to PostgreSQL";
        }
        if ("trigger".equals(mode)) {
            return "trigger mode";
        }
        if (standby) {
            return "standby: another process leads and streams from slot " + slot;
        }
        if (!streaming.getAsBoolean()) {
            return "not streaming";
        }
        long age = System.currentTimeMillis() - stats.lastBatchAtMs();
        return "streaming; last batch or heartbeat " + age + " ms ago";
    }
}
