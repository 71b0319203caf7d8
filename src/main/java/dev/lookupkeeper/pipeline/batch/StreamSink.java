package dev.lookupkeeper.pipeline.batch;

/**
 * Where a native source hands its batches, and whom it asks what it may confirm. {@link #apply}
 * returns only after what it was given is committed; the source confirms a position to the server
 * after that, and never past what the sink's checkpoint owner says is settled.
 */
public interface StreamSink {
    /** The stream starts at its stored checkpoint (settled by definition; what was held before is streamed again). */
    void started(long startLsn) throws java.sql.SQLException;

    /**
     * Applies the batch's lookup changes, repairs and checkpoint in one transaction, then feeds the
     * selection. A batch whose partitions are not all visible yet is held: its checkpoint is not
     * stored until it settles.
     *
     * @return whether the batch had anything for the lookup (false: nothing was written; its
     *         position is passed with {@link #passPosition} or {@link #notePosition})
     */
    boolean apply(ChangeBatch batch) throws Exception;

    /**
     * After {@link #apply}, on the thread that called it: the server's WAL position past the batch's
     * commit when that commit did not wait for its WAL flush (strict consistency's own commit):
     * its rows are visible at once and durable once the server's WAL is flushed past this position
     * (a position the stream delivers is flushed already). 0: the commit was durable when it returned.
     */
    default long lastCommitBound() {
        return 0;
    }

    /** Returns once every commit {@link #lastCommitBound} named so far is durable (it flushes the server's WAL). */
    default void flushCommits() throws Exception {
    }

    /** The checkpoint as stored: settled and durable. Eventual consistency confirms exactly this. */
    long storedCheckpoint();

    /** A position passed with nothing to apply (an empty transaction, a keepalive's WAL end), not stored yet. */
    void passPosition(long lsn);

    /** Passes and stores a position with nothing to apply, as far as it is settled; returns the stored checkpoint. */
    long storePosition(long lsn) throws Exception;

    /**
     * Strict: notes a position passed with nothing to apply, without a transaction (a commit may be
     * waiting for it; a stored checkpoint would be a transaction the stream must confirm too).
     * Nothing is noted while transactions are held.
     */
    void notePosition(long lsn) throws Exception;

    /** Whether delivered transactions are held back (not settled yet). */
    boolean holding();

    /** Applies the held transactions again (called while the stream is idle). */
    void retryHeld() throws Exception;
}
