package dev.lookupkeeper.source;

/**
 * The sink side of a source. A source calls it with one batch at a time and marks the batch
 * processed in its own checkpoint only after this method returned normally, i.e. after the
 * lookup transaction committed.
 */
@FunctionalInterface
public interface BatchHandler {
    void apply(SourceBatch batch) throws Exception;
}
