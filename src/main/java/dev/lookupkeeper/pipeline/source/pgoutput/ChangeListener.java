package dev.lookupkeeper.pipeline.source.pgoutput;

import java.nio.ByteBuffer;

/**
 * What {@link PgOutputDecoder} reports, in stream order. Tuples are views into the message buffer:
 * valid only during the call.
 */
public interface ChangeListener {
    /** @param commitTimeMs commit time in epoch milliseconds */
    void begin(long finalLsn, long commitTimeMs, int xid);

    /** A Relation message arrived (before the first change of that table in this session). */
    default void relation(Relation r) {}

    void insert(Relation r, TupleView row);

    /** @param row the new row (all columns the publication ships, but unchanged TOASTed ones) */
    void update(Relation r, TupleView row);

    /** @param key the replica identity columns of the deleted row */
    void delete(Relation r, TupleView key);

    void truncate(Relation[] relations);

    /** A logical decoding message (pg_logical_emit_message), transactional or not. */
    void message(boolean transactional, long lsn, String prefix, ByteBuffer content);

    /** @param endLsn the end of the commit record: the position to resume after this transaction */
    void commit(long commitLsn, long endLsn, long commitTimeMs);
}
