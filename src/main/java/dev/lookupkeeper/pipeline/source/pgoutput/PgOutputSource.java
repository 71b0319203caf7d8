package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.source.pgoutput.ReplicationChannel.Wait;
import dev.lookupkeeper.pipeline.source.SlotStream;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.ServerVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native source: pgoutput (protocol 1, binary values from PostgreSQL 14 on) from one logical
 * slot, over the sidecar's own {@link ReplicationChannel}.
 *
 * <p>One reader thread owns the replication stream. When a commit leaves nothing more waiting in
 * the socket, the reader applies what it has decoded itself — so an idle stream applies each
 * commit at once, with no thread hop — and a loaded one takes whatever has arrived; a batch that
 * reaches the batch size while more keeps arriving goes to the writer thread, and the reader
 * decodes batch N+1 while the writer applies batch N (one batch in flight). The reader blocks
 * in a read only when nothing is in flight and nothing is held; a keepalive wakes it. A position is
 * reported to the server at once, as visible (write, apply) once the transaction that applied it
 * committed, as durable (flush) once it is also settled ({@link PositionKeeper}). When the stream is
 * idle, the WAL end of the server's keepalives is stored and confirmed too, so an idle slot retains
 * nothing; that store is rate-limited, since the store is itself a transaction the stream sees.
 *
 * <p>With {@code confirmAtOnce} (strict consistency: the walsender is a synchronous standby, and
 * every commit waits for the position we confirm) nothing waits: a batch with nothing for the
 * lookup, and the WAL end of every keepalive, are reported visible at once, the keepalive having
 * woken the reader. Those keepalives are the walsender's idle pings: it sends one each time it goes
 * to sleep with our write and flush positions behind what it has sent, which is after every commit,
 * the sidecar's own included (decoded, and skipped as empty). The keepalive PostgreSQL 15+ sends
 * for each skipped transaction under synchronous replication never comes here: the walsender
 * checks its own session's synchronous_commit, which this connection sets to local. Positions
 * passed that way are noted without a transaction (see {@link StreamSink#notePosition}) and
 * reported durable once the reader has found nothing more to read for a moment ({@link PositionKeeper#settleDue}: 1 ms), or the note has been owed that long —
 * most are the keepalive for the sidecar's own commit, which the next push's batch covers anyway.
 * A batch whose lookup commit was asynchronous (see {@link StreamSink#lastCommit}) is reported
 * visible when it returns and durable once a position the server sends proves its WAL flushed, or
 * the same settling (after 5 ms when nothing else is owed) flushes it ({@link PositionKeeper}).
 */
public final class PgOutputSource implements SlotStream {
    private static final Logger LOG = LoggerFactory.getLogger(PgOutputSource.class);
    /** The longest a paced reader waits inside a transaction for the rest of it to arrive. */
    private static final long LINGER_MAX_NANOS = 1_000_000;
    /** How long a blocked read waits in silence before the reader sends a status update of its own. */
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(5);
    /** While transactions are held: how long the reader sleeps between looks at an empty socket. */
    private static final long HELD_POLL_NANOS = 1_000_000;
    /** Strict, waiting to settle on a connection whose brief wait cannot block (TLS): how long the reader sleeps between looks. */
    private static final long OWED_POLL_NANOS = 100_000;

    private final ReplicationConnector connector;
    private final StreamRequest request;
    private final BatchAssembler assembler;
    private final StreamSink sink;
    private final int maxBatchEvents;
    private final long minBatchIntervalNanos;
    private final boolean confirmAtOnce;
    private final PositionKeeper positions;
    /** Applies a batch handed over while the reader decodes the next. */
    private final BatchWriter writer;
    private long lastHandOverNanos;
    private final PgOutputDecoder decoder = new PgOutputDecoder();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;
    private volatile boolean blockedIdle;
    private Connection connection;
    private ReplicationChannel channel;
    /** Positions to and from the server, on the reader thread (one thread reads and writes the connection). */
    private final PositionKeeper.Server server = new PositionKeeper.Server() {
        @Override
        public long lastReceived() {
            return channel.lastReceived();
        }

        @Override
        public void confirm(long visible, long durable) throws SQLException {
            channel.report(visible, durable, false);
        }
    };
    private Thread reader;

    /**
     * @param request slot, publications and where to start
     * @param maxBatchEvents a batch is handed over at the first commit past this many events
     * @param minBatchInterval at most one batch per interval while data keeps arriving (zero: apply each commit at once)
     */
    public PgOutputSource(ReplicationConnector connector, StreamRequest request, BatchAssembler assembler, StreamSink sink,
                          int maxBatchEvents, Duration minBatchInterval) {
        this(connector, request, assembler, sink, maxBatchEvents, minBatchInterval, false);
    }

    /**
     * @param confirmAtOnce confirm every position the moment it is safe, without waiting for a
     *                      stored checkpoint (strict consistency)
     */
    public PgOutputSource(ReplicationConnector connector, StreamRequest request, BatchAssembler assembler, StreamSink sink,
                          int maxBatchEvents, Duration minBatchInterval, boolean confirmAtOnce) {
        this.confirmAtOnce = confirmAtOnce;
        this.connector = connector;
        this.request = request;
        this.assembler = assembler;
        this.sink = sink;
        this.maxBatchEvents = maxBatchEvents;
        this.minBatchIntervalNanos = minBatchInterval.toNanos();
        this.positions = new PositionKeeper(sink, confirmAtOnce, request.startLsn());
        this.writer = new BatchWriter(sink);
    }

    /** Opens the replication connection and starts streaming; throws if the server refuses. */
    public void start() throws SQLException {
        connection = connector.open();
        StreamRequest asked = request;
        try {
            if (asked.binary() && !connection.unwrap(BaseConnection.class).haveMinimumServerVersion(ServerVersion.v14)) {
                asked = asked.inText();
            }
            channel = ReplicationChannel.start(connection, asked, STATUS_INTERVAL, !confirmAtOnce);
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            throw e;
        }
        LOG.info("streaming from slot {} at {} (pgoutput, {} values, publications {})", request.slot(),
                Lsns.format(request.startLsn()), asked.binary() ? "binary" : "text", request.publicationNames());
        sink.started(request.startLsn());
        positions.started();
        reader = new Thread(this::readLoop, "pgoutput-reader");
        reader.setDaemon(true);
        reader.start();
        started.countDown();
    }

    private void readLoop() {
        try {
            while (!stopping) {
                ByteBuffer message = null;
                if (!assembler.atBoundary()) {
                    // inside a transaction: the rest is on its way. With pacing, let it gather in the
                    // socket rather than waking up for every message the server sends on its own
                    if (minBatchIntervalNanos > 0 && (message = channel.read(Wait.NONE)) == null) {
                        LockSupport.parkNanos(Math.min(minBatchIntervalNanos, LINGER_MAX_NANOS));
                        message = channel.read(Wait.NONE);
                    }
                    if (message == null) {
                        message = channel.read(Wait.BLOCK);
                    }
                } else {
                    if (confirmAtOnce && writer.busy() && assembler.current().isEmpty()) {
                        // strict: a commit waits for the batch in flight; confirm it the moment the
                        // writer is done, not after the next message
                        awaitInFlight();
                    }
                    // eventual: the walsender sends transaction by transaction; a moment's wait for
                    // the next lets a steady stream share lookup transactions, which PostgreSQL
                    // decodes too (measured: applying each at once cost 13,000 lookup transactions
                    // where 940 did, and the walsender fell seconds behind). Strict does not wait:
                    // every commit in this batch waits for it
                    boolean gather = !confirmAtOnce && !assembler.current().isEmpty();
                    message = channel.read(gather ? Wait.BRIEFLY : Wait.NONE);
                    if (message == null && minBatchIntervalNanos > 0 && !assembler.current().isEmpty()) {
                        // pacing: a batch at most every interval, so a steady trickle of small
                        // transactions costs the database fewer lookup transactions
                        long wait = lastHandOverNanos + minBatchIntervalNanos - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                            message = channel.read(Wait.NONE);
                        }
                    }
                    if (message == null) {
                        applyHere(); // nothing more waiting: no reason to hand this batch to another thread
                        positions.idle(server);
                        if (stopping) {
                            break;
                        }
                        if (sink.holding()) {
                            // held transactions are applied again until they settle: look, do not block
                            message = channel.read(Wait.NONE);
                            if (message == null && !channel.ended()) {
                                channel.keepAlive();
                                LockSupport.parkNanos(HELD_POLL_NANOS);
                                continue;
                            }
                        } else {
                            if (positions.noteOwed() && !positions.settleDue()) {
                                // strict: a position reported visible but not yet durable. The next push is
                                // usually on its way, and its batch covers the position with no note at all
                                long heard = channel.lastReceived();
                                message = channel.read(Wait.BRIEFLY_OR_KEEPALIVE);
                                if (message == null && !channel.ended() && (channel.lastReceived() != heard || !positions.settleDue())) {
                                    if (channel.lastReceived() == heard && !channel.waitsBriefly()) {
                                        LockSupport.parkNanos(OWED_POLL_NANOS); // TLS: the brief wait returns at once
                                    }
                                    continue; // a keepalive (its position is reported visible first), or not yet time to settle
                                }
                            }
                            if (message == null && !channel.ended()) {
                                positions.settleOwed(server); // nothing came: note what is owed, report it durable
                            }
                            if (message == null && !channel.ended()) {
                                blockedIdle = true;
                                try {
                                    message = channel.read(Wait.BLOCK); // a keepalive, or the status interval, wakes it
                                } finally {
                                    blockedIdle = false;
                                }
                            }
                        }
                    }
                }
                if (message == null) {
                    if (channel.ended()) {
                        break; // the server ended the stream
                    }
                    channel.keepAlive();
                    continue;
                }
                decoder.decode(message, assembler);
                // a long transaction keeps the socket busy: answer a keepalive that asked for a reply (and
                // speak every status interval) meanwhile, or the walsender ends the stream at its timeout
                channel.keepAlive();
                if (assembler.atBoundary() && assembler.current().events() >= maxBatchEvents) {
                    handOver();
                }
                reportApplied();
            }
            if (assembler.atBoundary()) {
                handOver();
            }
            awaitInFlight();
        } catch (Throwable t) {
            if (!stopping) {
                failure.compareAndSet(null, t);
                LOG.error("stream from slot {} failed: {}", request.slot(), t.toString());
            }
        } finally {
            writer.shutdown();
            closeConnection();
            finished.countDown();
        }
    }

    /**
     * Applies the whole transactions decoded so far on this thread, after the batch in flight, and
     * confirms them: when nothing more is waiting in the socket, a hop to the writer and back would
     * only add two thread wake-ups to the lag (and, strict, to every waiting commit).
     */
    private void applyHere() throws Exception {
        awaitInFlight();
        if (assembler.current().isEmpty()) {
            return;
        }
        ChangeBatch batch = assembler.take();
        lastHandOverNanos = System.nanoTime();
        boolean forLookup = sink.apply(batch);
        positions.batchDone(batch.endLsn(), forLookup, batch.events() > 0, sink.lastCommit());
        reportApplied();
    }

    /** Hands the whole transactions decoded so far to the writer, after the batch before them is done. */
    private void handOver() throws Exception {
        if (assembler.current().isEmpty()) {
            return;
        }
        ChangeBatch batch = assembler.take();
        awaitInFlight();
        lastHandOverNanos = System.nanoTime();
        writer.submit(batch);
    }

    /** Waits for the batch in flight; once its transaction committed, its position is confirmed. */
    private void awaitInFlight() throws Exception {
        BatchWriter.Applied applied = writer.await();
        if (applied == null) {
            return;
        }
        positions.batchDone(applied.end(), applied.forLookup(), applied.messages(), applied.commit());
        reportApplied();
    }

    /** Confirms to the server what the writer has committed, at once rather than at the next status interval. */
    private void reportApplied() throws Exception {
        if (writer.finished()) {
            awaitInFlight();
            return;
        }
        boolean nothingInFlight = !writer.busy();
        if (nothingInFlight && positions.settleDue()) {
            // strict: a long transaction is arriving after a position owed its note; sessions at
            // synchronous_commit = on wait for that note, not for the end of this transaction
            positions.settleOwed(server);
        }
        positions.report(server, nothingInFlight);
    }

    @Override
    public Throwable awaitTermination() throws InterruptedException {
        finished.await();
        return failure.get();
    }

    @Override
    public boolean isRunning() {
        return started.getCount() == 0 && finished.getCount() > 0;
    }

    public Throwable failure() {
        return failure.get();
    }

    /**
     * Stops after the batch in flight: whole transactions already decoded are applied and
     * confirmed, a transaction half received is dropped (the server sends it again), the slot is
     * released.
     */
    @Override
    public void close() {
        stopping = true;
        if (reader == null) {
            closeConnection();
            return;
        }
        try {
            if (!ReaderStop.await(finished, () -> blockedIdle, connection)) {
                // the reader waits on the writer, whose statement waits on a server that does not answer:
                // closing the sink's pool (next) ends that statement; nothing is confirmed past it
                LOG.warn("the stream's reader did not stop within 4 s (a lookup statement waits for the server): leaving it");
                writer.abandon();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ReaderStop.abort(connection);
        }
    }

    private void closeConnection() {
        ReaderStop.close(connection);
    }
}
