package dev.lookupkeeper.stream;

/**
 * Where a native source hands its batches. Both calls return only after what they were given is
 * committed: the source confirms the position to the server after that, never before.
 */
public interface StreamSink {
    /**
     * Applies the batch's lookup changes, repairs and checkpoint in one transaction, then feeds the
     * selection.
     *
     * @return whether the batch's end position was stored (false: nothing for the lookup, so
     *         nothing was written; the position is stored later with {@link #storePosition})
     */
    boolean apply(ChangeBatch batch) throws Exception;

    /** Stores a position passed with nothing to apply (empty transactions, a keepalive's WAL end). */
    void storePosition(long lsn) throws Exception;

    /**
     * Notes a position passed with nothing to apply, without a transaction (strict consistency
     * confirms it at once; a stored checkpoint would be a transaction the stream must confirm too).
     */
    void notePosition(long lsn) throws Exception;

    /** Strict: whether lookup changes wait for rows another transaction holds. */
    default boolean holding() {
        return false;
    }

    /** Strict: applies the held changes again on their own (called while the stream is idle). */
    default void retryHeld() throws Exception {}
}
