package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.core.Lsns;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyDual;

/**
 * The streaming replication protocol of one logical slot, spoken by the sidecar itself over
 * pgjdbc's {@code CopyDual} (pgjdbc keeps the connection, TLS and authentication).
 *
 * <p>Why not pgjdbc's replication stream: it reports "write" as the last position received, asks
 * the server for a reply with every status update, and makes every empty poll wait up to a
 * millisecond on the socket. Here a poll that finds nothing returns at once (pgjdbc only peeks at the
 * socket with a timeout once a second, for TLS), an idle reader blocks, and each status update says
 * write, flush and apply as the caller chooses, asking for a reply only when the caller wants one.
 *
 * <p>Frames (PostgreSQL's streaming replication protocol): XLogData {@code 'w'} (start, WAL end,
 * send time, payload) and primary keepalive {@code 'k'} (WAL end, send time, reply requested) in;
 * standby status update {@code 'r'} (write, flush, apply, client time, reply requested) out. One
 * thread reads and writes (pgjdbc holds one lock per connection, a blocked read holds it).
 */
final class ReplicationChannel {
    /** PostgreSQL's epoch (2000-01-01) in Unix microseconds. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    private static final int XLOGDATA_HEADER = 1 + 8 + 8 + 8;

    private final CopyDual copy;
    private final long statusIntervalNanos;
    private final ByteBuffer status = ByteBuffer.allocate(1 + 8 + 8 + 8 + 8 + 1);
    private long lastReceived;
    private boolean replyRequested;
    private boolean ended;
    private long lastStatusNanos = System.nanoTime();
    private long write;
    private long flush;
    private long apply;

    private ReplicationChannel(CopyDual copy, long startLsn, Duration statusInterval) {
        this.copy = copy;
        this.statusIntervalNanos = statusInterval.toNanos();
        this.lastReceived = startLsn;
        this.write = startLsn;
        this.flush = startLsn;
        this.apply = startLsn;
    }

    /**
     * Starts streaming on a replication connection ({@code replication=database}). A blocking read
     * returns empty-handed after {@code statusInterval} of silence, so the caller can send a status
     * update (the server's own keepalives come only at half its {@code wal_sender_timeout}).
     */
    static ReplicationChannel start(Connection connection, StreamRequest request, Duration statusInterval) throws SQLException {
        connection.setNetworkTimeout(Runnable::run, (int) statusInterval.toMillis());
        CopyDual copy = connection.unwrap(PGConnection.class).getCopyAPI().copyDual(startCommand(request));
        return new ReplicationChannel(copy, request.startLsn(), statusInterval);
    }

    /** START_REPLICATION for a logical slot: identifiers are validated by {@link StreamRequest}. */
    static String startCommand(StreamRequest request) {
        StringBuilder options = new StringBuilder("proto_version '1', publication_names '")
                .append(request.publicationNames()).append('\'');
        if (request.logicalMessages()) {
            options.append(", messages 'true'");
        }
        if (request.binary()) {
            options.append(", binary 'true'");
        }
        return "START_REPLICATION SLOT \"" + request.slot() + "\" LOGICAL " + Lsns.format(request.startLsn())
                + " (" + options + ")";
    }

    /**
     * The next XLogData payload, positioned at its pgoutput message. Null when there is none to
     * decode now: nothing waiting (a poll), a keepalive (its WAL end is noted, see
     * {@link #lastReceived()}), a blocking read's status interval up, or the stream's end
     * ({@link #ended()}).
     */
    ByteBuffer read(boolean block) throws SQLException {
        byte[] frame;
        try {
            frame = copy.readFromCopy(block);
        } catch (SQLException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                return null; // silence for a status interval: the caller sends a status update
            }
            throw e;
        }
        if (frame == null) {
            ended = block || !copy.isActive();
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(frame);
        switch (b.get()) {
            case 'w' -> {
                long start = b.getLong();
                b.getLong(); // the server's WAL end: ahead of what it has decoded for us
                b.getLong(); // send time
                if (Long.compareUnsigned(start, lastReceived) > 0) {
                    lastReceived = start;
                }
                return b.slice(XLOGDATA_HEADER, frame.length - XLOGDATA_HEADER);
            }
            case 'k' -> {
                long walEnd = b.getLong(); // a logical walsender's sent position: everything before it is decoded
                b.getLong();
                if (Long.compareUnsigned(walEnd, lastReceived) > 0) {
                    lastReceived = walEnd;
                }
                replyRequested |= b.get() != 0;
                return null;
            }
            default -> throw new PgOutputException("unexpected replication frame '" + (char) frame[0] + "' from the server");
        }
    }

    /** The position the server last told us about: an XLogData's start or a keepalive's WAL end. */
    long lastReceived() {
        return lastReceived;
    }

    /** Whether the server ended the stream (or the connection closed). */
    boolean ended() {
        return ended;
    }

    /**
     * Reports what is visible (write and apply: the lookup rows of every transaction before it are
     * committed) and what is durable (flush: the slot's confirmed position follows it, and a crash
     * restarts from there). Sent at once when either moved; otherwise only when the server asked for
     * a reply or a status interval passed.
     */
    void report(long visible, long durable, boolean force) throws SQLException {
        boolean moved = Long.compareUnsigned(visible, apply) > 0 || Long.compareUnsigned(durable, flush) > 0;
        if (moved) {
            write = max(write, visible);
            apply = max(apply, visible);
            flush = max(flush, durable);
        }
        if (moved || force || replyRequested || System.nanoTime() - lastStatusNanos >= statusIntervalNanos) {
            sendStatus();
        }
    }

    /** Answers a keepalive that asked for a reply, and keeps the server hearing from us every status interval. */
    void keepAlive() throws SQLException {
        if (replyRequested || System.nanoTime() - lastStatusNanos >= statusIntervalNanos) {
            sendStatus();
        }
    }

    private void sendStatus() throws SQLException {
        long nowMicros = System.currentTimeMillis() * 1000 - PG_EPOCH_MICROS;
        status.clear();
        status.put((byte) 'r').putLong(write).putLong(flush).putLong(apply).putLong(nowMicros).put((byte) 0);
        copy.writeToCopy(status.array(), 0, status.position());
        copy.flushCopy();
        replyRequested = false;
        lastStatusNanos = System.nanoTime();
    }

    private static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }
}
