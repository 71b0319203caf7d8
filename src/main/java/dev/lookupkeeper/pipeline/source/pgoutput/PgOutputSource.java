package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.source.SlotStream;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native source: pgoutput (protocol 1) from one logical slot through pgjdbc's replication API.
 *
 * <p>One reader thread owns the replication stream; one writer thread applies batches. The reader
 * decodes batch N+1 while the writer applies batch N (one batch in flight). It hands a batch over
 * when a commit leaves nothing more waiting in the socket — so an idle stream applies each commit
 * at once, and a loaded one takes whatever has arrived (bounded by the batch size) — and it blocks
 * in {@code read()} only when nothing is in flight and nothing is held. A position is confirmed to
 * the server (flush = apply, reported at once) only after the transaction that stored it committed,
 * and never past a transaction the sink holds as unsettled ({@link PositionKeeper}). When the stream is
 * idle, the WAL end of the server's keepalives is stored and confirmed too, so an idle slot retains
 * nothing; that store is rate-limited, since the store is itself a transaction the stream sees.
 *
 * <p>With {@code confirmAtOnce} (strict consistency: the walsender is a synchronous standby, and
 * every commit waits for the position we confirm) nothing waits: a batch with nothing for the
 * lookup, and the WAL end of every keepalive (PostgreSQL 15+ sends one for each transaction it
 * skips as empty while synchronous replication is on), are noted without a transaction (see
 * {@link StreamSink#notePosition}) and confirmed at once; and the idle reader polls
 * ({@code readPending()} waits up to a millisecond on an empty socket) instead of blocking in
 * {@code read()}, which would swallow those keepalives.
 */
public final class PgOutputSource implements SlotStream {
    private static final Logger LOG = LoggerFactory.getLogger(PgOutputSource.class);
    /** The longest a paced reader waits inside a transaction for the rest of it to arrive. */
    private static final long LINGER_MAX_NANOS = 1_000_000;

    private final ReplicationConnector connector;
    private final StreamRequest request;
    private final BatchAssembler assembler;
    private final StreamSink sink;
    private final int maxBatchEvents;
    private final long minBatchIntervalNanos;
    private final boolean confirmAtOnce;
    private final PositionKeeper positions;
    private long lastHandOverNanos;
    private final PgOutputDecoder decoder = new PgOutputDecoder();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pgoutput-writer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;
    private volatile boolean blockedIdle;
    private Connection connection;
    private PGReplicationStream stream;
    /** Positions to and from the server, on the reader thread (pgjdbc's stream is not thread-safe). */
    private final PositionKeeper.Server server = new PositionKeeper.Server() {
        @Override
        public long lastReceived() {
            return stream.getLastReceiveLSN().asLong();
        }

        @Override
        public void confirm(long lsn) throws SQLException {
            LogSequenceNumber l = LogSequenceNumber.valueOf(lsn);
            stream.setFlushedLSN(l);
            stream.setAppliedLSN(l);
            stream.forceUpdateStatus();
        }
    };
    private Thread reader;
    private Future<Boolean> inFlight;
    private long inFlightEnd;
    private boolean inFlightMessages;

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
    }

    /** Opens the replication connection and starts streaming; throws if the server refuses. */
    public void start() throws SQLException {
        connection = connector.open();
        try {
            PGConnection pg = connection.unwrap(PGConnection.class);
            ChainedLogicalStreamBuilder b = pg.getReplicationAPI().replicationStream().logical()
                    .withSlotName(request.slot())
                    .withStartPosition(LogSequenceNumber.valueOf(request.startLsn()))
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", request.publicationNames())
                    .withStatusInterval(10, TimeUnit.SECONDS);
            if (request.logicalMessages()) {
                b = b.withSlotOption("messages", "true");
            }
            stream = b.start();
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            throw e;
        }
        LOG.info("streaming from slot {} at {} (pgoutput, publications {})", request.slot(), Lsns.format(request.startLsn()),
                request.publicationNames());
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
                ByteBuffer message;
                if (!assembler.atBoundary()) {
                    // inside a transaction: the rest is on its way. With pacing, let it gather in the
                    // socket rather than waking up for every message the server sends on its own
                    message = stream.readPending();
                    if (message == null && minBatchIntervalNanos > 0) {
                        LockSupport.parkNanos(Math.min(minBatchIntervalNanos, LINGER_MAX_NANOS));
                        message = stream.readPending();
                    }
                    if (message == null) {
                        message = stream.read();
                    }
                } else {
                    if (confirmAtOnce && inFlight != null && assembler.current().isEmpty()) {
                        // strict: a commit waits for the batch in flight; confirm it the moment the
                        // writer is done, not after a millisecond's look at an empty socket
                        awaitInFlight();
                    }
                    message = stream.readPending();
                    if (message == null && minBatchIntervalNanos > 0 && !assembler.current().isEmpty()) {
                        // pacing: a batch at most every interval, so a steady trickle of small
                        // transactions costs the database fewer lookup transactions
                        long wait = lastHandOverNanos + minBatchIntervalNanos - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                            message = stream.readPending();
                        }
                    }
                    if (message == null) {
                        handOver();
                        awaitInFlight();
                        if (confirmAtOnce || sink.holding()) {
                            // strict: keepalives must be answered at once; held transactions: applied
                            // again until they settle. Either way poll, do not block
                            positions.idle(server);
                            message = stream.readPending();
                            if (message == null) {
                                continue; // nothing within a millisecond: look again (stopping ends the loop)
                            }
                        } else {
                            positions.idle(server);
                            if (stopping) {
                                break;
                            }
                            blockedIdle = true;
                            try {
                                message = stream.read();
                            } finally {
                                blockedIdle = false;
                            }
                        }
                    }
                }
                if (message == null) {
                    break; // the server ended the stream
                }
                decoder.decode(message, assembler);
                if (assembler.atBoundary() && assembler.current().events() >= maxBatchEvents) {
                    handOver();
                } else if (confirmAtOnce && assembler.atBoundary() && !assembler.current().isEmpty() && writerIdle()) {
                    // strict: a commit waits for this batch; with the writer free, looking for more first
                    // (readPending() waits up to a millisecond on an empty socket) would only delay it.
                    // With the writer busy, transactions gather until it is done, as in eventual mode
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

    private boolean writerIdle() {
        Future<Boolean> f = inFlight;
        return f == null || f.isDone();
    }

    /** Hands the whole transactions decoded so far to the writer, after the batch before them is done. */
    private void handOver() throws Exception {
        if (assembler.current().isEmpty()) {
            return;
        }
        ChangeBatch batch = assembler.take();
        awaitInFlight();
        lastHandOverNanos = System.nanoTime();
        long end = batch.endLsn();
        inFlightEnd = end;
        inFlightMessages = batch.events() > 0;
        inFlight = writer.submit(() -> sink.apply(batch));
    }

    /** Waits for the batch in flight; once its transaction committed, its position is confirmed. */
    private void awaitInFlight() throws Exception {
        Future<Boolean> f = inFlight;
        if (f == null) {
            return;
        }
        boolean forLookup;
        try {
            forLookup = f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        inFlight = null;
        positions.batchDone(inFlightEnd, forLookup, inFlightMessages);
        reportApplied();
    }

    /** Confirms to the server what the writer has committed, at once rather than at the next status interval. */
    private void reportApplied() throws Exception {
        Future<Boolean> f = inFlight;
        if (f != null && f.isDone()) {
            awaitInFlight();
            return;
        }
        positions.report(server, f == null);
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!finished.await(50, TimeUnit.MILLISECONDS)) {
                if (blockedIdle || System.nanoTime() > deadline) {
                    abortConnection(); // a blocked read() only ends with its socket
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortConnection();
        }
    }

    private void abortConnection() {
        Connection c = connection;
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException e) {
                LOG.debug("abort: {}", e.getMessage());
            }
        }
    }

    private void closeConnection() {
        Connection c = connection;
        if (c == null) {
            return;
        }
        try {
            if (stream != null && !stream.isClosed() && !stopping) {
                stream.close();
            }
        } catch (SQLException e) {
            LOG.debug("stream close: {}", e.getMessage());
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("connection close: {}", e.getMessage());
        }
    }
}
