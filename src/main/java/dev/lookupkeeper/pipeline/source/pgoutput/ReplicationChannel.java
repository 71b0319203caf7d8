package dev.lookupkeeper.pipeline.source.pgoutput;

import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyDual;
import org.postgresql.core.VisibleBufferedInputStream;

/**
 * The streaming replication protocol of one logical slot, spoken by the sidecar itself over
 * pgjdbc's {@code CopyDual} (pgjdbc keeps the connection, TLS and authentication).
 *
 * <p>Why not pgjdbc's replication stream: it reports "write" as the last position received, asks
 * the server for a reply with every status update, and makes every empty poll wait up to a
 * millisecond on the socket. Here a poll that finds nothing returns at once, an idle reader blocks,
 * and each status update says write, flush and apply as the caller chooses, asking for a reply only
 * when the caller wants one.
 *
 * <p>The poll: pgjdbc's own non-blocking read ({@code readFromCopy(false)}) looks at its buffer and
 * the socket's byte count, and when both are empty reads the socket with a 1 ms timeout — and does
 * so again on every empty poll (measured: 14,000 empty polls took 15.8 s). So the channel asks
 * pgjdbc's buffered input stream itself ({@link IncomingBytes}: pgjdbc's buffer, else the kernel's
 * count) and reads only when something is there. That stream is private to pgjdbc and reached by
 * reflection once; where that fails, and with TLS or GSS encryption (the kernel's count is of
 * encrypted bytes and may say 0 while a record waits), the poll is pgjdbc's.
 *
 * <p>Frames (PostgreSQL's streaming replication protocol): XLogData {@code 'w'} (start, WAL end,
 * send time, payload) and primary keepalive {@code 'k'} (WAL end, send time, reply requested) in;
 * standby status update {@code 'r'} (write, flush, apply, client time, reply requested) out. One
 * thread reads and writes (pgjdbc holds one lock per connection, a blocked read holds it).
 */
final class ReplicationChannel {
    /** How long a read may wait for a frame. */
    enum Wait {
        /** Not at all: only what pgjdbc's buffer or the socket already holds. */
        NONE,
        /** Up to {@link #BRIEF_NANOS}, ending with the first byte. */
        BRIEFLY,
        /** As {@link #BRIEFLY}, but a keepalive ends the wait (its position may be what a session waits for). */
        BRIEFLY_OR_KEEPALIVE,
        /** Until a frame, a keepalive or the status interval. */
        BLOCK
    }

    /** PostgreSQL's epoch (2000-01-01) in Unix microseconds. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    private static final int XLOGDATA_HEADER = 1 + 8 + 8 + 8;
    /** A brief wait: long enough for the walsender's next transaction under load, short against the lag target. */
    static final long BRIEF_NANOS = 1_000_000;

    private final CopyDual copy;
    /** What has come in on the connection, without consuming it (null: pgjdbc's stream unreachable, GSS). */
    private final IncomingBytes incoming;
    private final long statusIntervalNanos;
    private final long silenceBoundNanos;
    private final boolean writeIsReceived;
    private final ByteBuffer status = ByteBuffer.allocate(1 + 8 + 8 + 8 + 8 + 1);
    private long lastReceived;
    private boolean replyRequested;
    private boolean ended;
    private long lastStatusNanos = System.nanoTime();
    /** When to ask a silent server for a reply, and when to give up on it. */
    private final SilenceWatch silence;
    /** The socket's read timeout: the status interval, or (GSS) the silence bound. */
    private final long socketTimeoutMs;
    private long write;
    private long flush;
    private long apply;

    private ReplicationChannel(Connection connection, CopyDual copy, VisibleBufferedInputStream input, boolean encrypted, long startLsn,
                               Duration statusInterval, Duration silenceBound, boolean writeIsReceived) {
        this.socketTimeoutMs = (input != null ? statusInterval : silenceBound).toMillis();
        this.incoming = input == null ? null
                : new IncomingBytes(connection, input, encrypted, PgjdbcStreams.freeTimeouts(connection), socketTimeoutMs, statusInterval.toNanos());
        this.writeIsReceived = writeIsReceived;
        this.silenceBoundNanos = silenceBound.toNanos();
        this.copy = copy;
        this.statusIntervalNanos = statusInterval.toNanos();
        this.silence = new SilenceWatch(statusIntervalNanos, silenceBoundNanos, System.nanoTime());
        this.lastReceived = startLsn;
        this.write = startLsn;
        this.flush = startLsn;
        this.apply = startLsn;
    }

    /**
     * Starts streaming on a replication connection ({@code replication=database}). A blocking read
     * returns empty-handed after {@code statusInterval} of silence, so the caller can send a status
     * update (the server's own keepalives come only at half its {@code wal_sender_timeout}). After a
     * status interval of silence the status update asks the server for a reply; after
     * {@link SilenceWatch#bound} of silence the connection is taken as dead (a NAT or load balancer that
     * forgot the flow sends neither a byte nor a reset) and the read fails with SQLSTATE 08006.
     *
     * @param writeIsReceived report "write" as the last position received (an eventual stream: no
     *                        session waits for it, and a walsender whose client's write position
     *                        trails what it sent pings that client every time it goes idle — measured:
     *                        23,600 keepalives in 16 s at 10,000 messages/s); otherwise "write" is
     *                        what is visible, like apply, so sessions at remote_write wait for it too
     */
    static ReplicationChannel start(Connection connection, StreamRequest request, Duration statusInterval, boolean writeIsReceived)
            throws SQLException {
        return start(connection, request, statusInterval, SilenceWatch.bound(connection), writeIsReceived);
    }

    /** As above, with the silence bound given rather than derived from the server's wal_sender_timeout. */
    static ReplicationChannel start(Connection connection, StreamRequest request, Duration statusInterval, Duration silence,
                                    boolean writeIsReceived) throws SQLException {
        VisibleBufferedInputStream input = PgjdbcStreams.bufferedInput(connection);
        // a read that times out inside pgjdbc's copy ends the copy: the channel's own wait for a first byte is
        // what times out every status interval (without consuming anything); pgjdbc's read then finds the
        // frame there. Where pgjdbc's stream cannot be reached (GSS), its read times out at the silence bound
        connection.setNetworkTimeout(Runnable::run, (int) (input != null ? statusInterval : silence).toMillis());
        CopyDual copy = connection.unwrap(PGConnection.class).getCopyAPI().copyDual(request.startCommand());
        return new ReplicationChannel(connection, copy, input, PgjdbcStreams.isTls(connection), request.startLsn(), statusInterval, silence,
                writeIsReceived);
    }

    /** How long this channel waits for a silent server before it takes the connection as dead. */
    Duration silenceBound() {
        return Duration.ofNanos(silenceBoundNanos);
    }

    /** Whether a brief wait can block until a byte comes (not on TLS, where the socket's count is of encrypted bytes). */
    boolean waitsBriefly() {
        return incoming != null && incoming.waitsBriefly();
    }

    /**
     * The next XLogData payload, positioned at its pgoutput message. Null when there is none to
     * decode now: nothing waiting (within the wait; keepalives on the way are taken in, their WAL
     * end noted, see {@link #lastReceived()}), a keepalive ending a blocking read, a blocking read's
     * status interval up, or the stream's end
     * ({@link #ended()}).
     */
    ByteBuffer read(Wait wait) throws SQLException {
        while (true) {
            boolean block = wait == Wait.BLOCK;
            if (incoming != null && incoming.waitsBriefly()) {
                // one look per read: pgjdbc's buffer (no system call), else one read of what the kernel
                // holds, waiting as long as asked (a look before a wait would only add a system call)
                boolean there = switch (wait) {
                    case NONE -> incoming.waiting();
                    case BRIEFLY, BRIEFLY_OR_KEEPALIVE -> incoming.within(BRIEF_NANOS);
                    case BLOCK -> incoming.withinInterval();
                };
                if (!there) {
                    if (block) {
                        checkHeard(); // silence for a status interval: ask for a reply, or give up on a dead connection
                    }
                    return null;
                }
                block = true; // bytes are there: the rest of the frame, if any, is on its way
            } else if (block && incoming != null && !incoming.withinInterval()) {
                checkHeard();
                return null;
            }
            byte[] frame;
            try {
                frame = copy.readFromCopy(block);
            } catch (SQLException e) {
                if (e.getCause() instanceof SocketTimeoutException) {
                    // pgjdbc's read found nothing for the socket's timeout (GSS encryption's whole wait, or the rest
                    // of a frame that stopped half-way): pgjdbc's copy is over after a timeout, and so is the connection
                    throw new SQLException("no byte from the server on the replication connection for " + socketTimeoutMs / 1000
                            + " s in the middle of a message: taking the connection as dead", "08006", e);
                }
                throw e;
            }
            if (frame == null) {
                ended = block || !copy.isActive();
                return null;
            }
            silence.heard(System.nanoTime());
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
                    if (wait == Wait.BLOCK || wait == Wait.BRIEFLY_OR_KEEPALIVE) {
                        return null; // the caller looks at the new position (strict confirms it) before blocking again
                    }
                    // a poll goes on looking: a walsender going idle pings, and a ping is not the end of a burst
                }
                default -> throw new PgOutputException("unexpected replication frame '" + (char) frame[0] + "' from the server");
            }
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
     * Reports what is visible (apply, and write unless write is reported as received: the lookup
     * rows of every transaction before it are committed) and what is durable (flush: the slot's confirmed position follows it, and a crash
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

    /**
     * Answers a keepalive that asked for a reply, keeps the server hearing from us every status
     * interval, and notices a server gone silent ({@link #checkHeard}).
     */
    void keepAlive() throws SQLException {
        checkHeard();
        if (replyRequested || System.nanoTime() - lastStatusNanos >= statusIntervalNanos) {
            sendStatus();
        }
    }

    /** After a status interval of silence, asks the server for a reply; after the silence bound, fails ({@link SilenceWatch}). */
    private void checkHeard() throws SQLException {
        if (silence.askNow(System.nanoTime())) {
            sendStatus(true);
        }
    }

    private void sendStatus() throws SQLException {
        sendStatus(false);
    }

    private void sendStatus(boolean askForReply) throws SQLException {
        if (writeIsReceived) {
            write = max(write, lastReceived);
        }
        statusFrame(status, write, flush, apply, System.currentTimeMillis(), askForReply);
        copy.writeToCopy(status.array(), 0, status.position());
        copy.flushCopy();
        replyRequested = false;
        lastStatusNanos = System.nanoTime();
    }

    /**
     * A Standby Status Update ('r'): written, flushed and applied positions, each on its own, the
     * client's clock in microseconds since 2000-01-01, and whether the server must answer at once
     * (only when we ask: an unasked-for reply costs the walsender a keepalive).
     */
    static void statusFrame(ByteBuffer into, long write, long flush, long apply, long nowMillis, boolean askForReply) {
        into.clear();
        into.put((byte) 'r').putLong(write).putLong(flush).putLong(apply).putLong(nowMillis * 1000 - PG_EPOCH_MICROS)
                .put((byte) (askForReply ? 1 : 0));
    }

    private static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }
}
