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
     * How a batch's commit stands when {@link #apply} returns.
     *
     * @param async the commit did not wait for its WAL flush (strict consistency's own commit): the
     *              rows are visible, and durable once the server's WAL is flushed past the commit
     * @param walPosition the server's WAL insert position the batch's statement read before it
     *                    committed: every commit that returned before that statement began is at or
     *                    before it, so it bounds earlier asynchronous commits (0: not read)
     */
    record Commit(boolean async, long walPosition) {
        public static final Commit DURABLE = new Commit(false, 0);
    }

    /** After {@link #apply}, on the thread that called it: how that batch's commit stands. */
    default Commit lastCommit() {
        return Commit.DURABLE;
    }

    /** Returns once every asynchronous commit so far is durable (it flushes the server's WAL). */
    default void flushCommits() throws Exception {
    }

    /**
     * The checkpoint as stored: settled, and durable — except in strict consistency with asynchronous
     * lookup commits, where it is durable once the WAL is flushed past it (used there only as a lower
     * bound). Eventual consistency confirms exactly this.
     */
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
