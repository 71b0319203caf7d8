package dev.lookupkeeper.pipeline.source.pgoutput;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.VisibleBufferedInputStream;

/**
 * What has come in on a replication connection, looked at without consuming it: pgjdbc's buffered
 * input (its buffer, else the kernel's byte count) and waits for a first byte that end with it. A
 * timeout inside pgjdbc's copy read would end the copy, so every wait for silence happens here, in
 * the buffered stream's non-blocking fill, and pgjdbc's read then finds the frame there.
 */
final class IncomingBytes {
    /** The connection the copy runs on: its socket timeout is what a brief wait changes for a moment. */
    private final Connection connection;
    /** pgjdbc's buffered input of this connection (reached by reflection, see {@link PgjdbcStreams}). */
    private final VisibleBufferedInputStream input;
    /** TLS: the socket's byte count is of encrypted bytes, so only a timed wait for a byte tells whether one came. */
    private final boolean encrypted;
    /** Whether a change of the socket's timeout is free (the JDK's socket) or two system calls (junixsocket's). */
    private final boolean freeTimeouts;
    /** The socket's read timeout, put back after a brief wait: the status interval. */
    private final long socketTimeoutMs;
    private final long statusIntervalNanos;

    IncomingBytes(Connection connection, VisibleBufferedInputStream input, boolean encrypted, boolean freeTimeouts, long socketTimeoutMs,
                  long statusIntervalNanos) {
        this.connection = connection;
        this.input = input;
        this.encrypted = encrypted;
        this.freeTimeouts = freeTimeouts;
        this.socketTimeoutMs = socketTimeoutMs;
        this.statusIntervalNanos = statusIntervalNanos;
    }

    /**
     * Whether bytes arrive within {@code nanos} (whole milliseconds, at least one): one wait in the
     * socket that ends with the first byte, without consuming it — the socket's timeout is set for
     * this wait and put back at once (in the JDK that is a field, not a system call). Looking every
     * 100 µs instead picked a frame up as much as 100 µs late — for strict, on every waiting commit
     * — and woke the reader ten times a millisecond for nothing. On the JDK's socket bytes already
     * in pgjdbc's buffer end it with no system call, bytes in the kernel's with one read. On a Unix
     * socket (junixsocket) a timeout change is two system calls (and applies to writes too, for the
     * moment of the wait), so the buffer and the kernel's count are looked at first.
     */
    boolean within(long nanos) throws SQLException {
        if (!freeTimeouts && waiting()) {
            return true;
        }
        connection.setNetworkTimeout(Runnable::run, (int) Math.max(1, nanos / 1_000_000));
        try {
            return input.ensureBytes(1, false);
        } catch (IOException e) {
            throw new SQLException("replication connection: " + e.getMessage(), "08006", e);
        } finally {
            connection.setNetworkTimeout(Runnable::run, (int) socketTimeoutMs);
        }
    }

    /**
     * Waits up to the socket's timeout (the status interval) for a byte, without consuming it:
     * pgjdbc's buffered stream returns false on a timeout in a non-blocking fill, and leaves the
     * copy as it was (a timeout inside pgjdbc's copy read would end the copy).
     */
    boolean withinInterval() throws SQLException {
        long started = System.nanoTime();
        boolean got;
        try {
            got = input.ensureBytes(1, false);
        } catch (IOException e) {
            throw new SQLException("replication connection: " + e.getMessage(), "08006", e);
        }
        if (!got && System.nanoTime() - started < statusIntervalNanos / 2) {
            // false well before the socket's timeout: not a timeout but the end of the stream (the server or
            // something on the way closed the connection without a word)
            throw new SQLException("the server closed the replication connection", "08006");
        }
        return got;
    }

    /** Whether a frame (or part of one) is waiting: pgjdbc's buffer or the socket holds bytes. */
    boolean waiting() throws SQLException {
        try {
            return input.available() > 0;
        } catch (IOException e) {
            throw new SQLException("replication connection: " + e.getMessage(), "08006", e);
        }
    }

    /** Whether a brief wait can block until a byte comes (not on TLS, where the socket's count is of encrypted bytes). */
    boolean waitsBriefly() {
        return !encrypted;
    }
}
