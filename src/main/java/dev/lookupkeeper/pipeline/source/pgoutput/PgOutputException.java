package dev.lookupkeeper.pipeline.source.pgoutput;

/** The replication stream sent something this reader cannot decode; the stream stops at its position. */
public final class PgOutputException extends RuntimeException {
    public PgOutputException(String message) {
        super(message);
    }
}
