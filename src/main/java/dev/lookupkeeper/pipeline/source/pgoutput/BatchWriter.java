package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The reader's second thread: applies one batch at a time to the sink while the reader decodes the
 * next, so a loaded stream overlaps decode and apply. At most one batch is in flight; the reader
 * learns how it ended (and only then confirms its position) through {@link #await}.
 */
final class BatchWriter {
    /**
     * How a batch handed over ended: its end position, whether it carried messages (inserts or
     * deletes, not only watermarks), what {@link StreamSink#apply} returned, and how its commit
     * stands — read on the writer thread, right after the apply.
     */
    record Applied(long end, boolean messages, boolean forLookup, StreamSink.Commit commit) {}

    private final StreamSink sink;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pgoutput-writer");
        t.setDaemon(true);
        return t;
    });
    private Future<Applied> inFlight;

    BatchWriter(StreamSink sink) {
        this.sink = sink;
    }

    /** Starts applying {@code batch}; the batch before it must have been awaited. */
    void submit(ChangeBatch batch) {
        if (inFlight != null) {
            throw new IllegalStateException("a batch is in flight: await it first");
        }
        long end = batch.endLsn();
        boolean messages = batch.events() > 0;
        inFlight = thread.submit(() -> new Applied(end, messages, sink.apply(batch), sink.lastCommit()));
    }

    /** Whether a batch is in flight (applying, or applied and not awaited yet). */
    boolean busy() {
        return inFlight != null;
    }

    /** Whether the batch in flight has been applied (or failed) and can be awaited without waiting. */
    boolean finished() {
        return inFlight != null && inFlight.isDone();
    }

    /**
     * Waits for the batch in flight; null when there is none. A failed apply is rethrown as it was
     * thrown, and the batch is then over. An interrupted wait leaves the batch in flight: it may
     * still commit or fail, and nothing after it may be confirmed before it is known.
     */
    Applied await() throws Exception {
        Future<Applied> f = inFlight;
        if (f == null) {
            return null;
        }
        Applied applied;
        try {
            applied = f.get();
        } catch (ExecutionException e) {
            inFlight = null;
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        inFlight = null;
        return applied;
    }

    /** No more batches; one in flight finishes. */
    void shutdown() {
        thread.shutdown();
    }

    /** Interrupts a batch in flight (its statement waits on a server that does not answer). */
    void abandon() {
        thread.shutdownNow();
    }
}
