package dev.lookupkeeper.pipeline.source;

/**
 * A running reader of lookupkeeper's slot — the native pgoutput reader or Debezium's engine — as
 * the pipeline that owns it sees it.
 */
public interface SlotStream extends AutoCloseable {
    /** Blocks until the stream stops; returns its failure, or null after a clean stop. */
    Throwable awaitTermination() throws InterruptedException;

    boolean isRunning();

    /** Stops after the batch in flight, which commits and has its position confirmed; releases the slot. */
    @Override
    void close();
}
