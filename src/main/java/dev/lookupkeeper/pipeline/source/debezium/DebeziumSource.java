package dev.lookupkeeper.pipeline.source.debezium;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.RecordBatchBuilder;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.checkpoint.OffsetStoreRegistry;
import dev.lookupkeeper.pipeline.checkpoint.TransactionBoundary;
import dev.lookupkeeper.pipeline.source.SlotStream;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams inserts on queen.messages from lookupkeeper's slot with the Debezium embedded engine
 * (pgoutput). For every batch it decodes the records into the stream's batch, hands it to the
 * sink the native reader uses, and only after the sink returned (the batch's transactions are
 * settled) marks whole transactions processed, which lets the engine store the offset and confirm
 * the LSN to the server. The batch moves no stream checkpoint: Debezium's offsets are the position.
 */
public final class DebeziumSource implements SlotStream {
    private static final Logger LOG = LoggerFactory.getLogger(DebeziumSource.class);

    private final Settings settings;
    private final StreamTarget target;
    private final DataSource offsetsDataSource;
    private final RecordDecoder decoder;
    private final String registryKey = "offsets-" + UUID.randomUUID();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private ExecutorService executor;

    public DebeziumSource(Settings settings, StreamTarget target, DataSource offsetsDataSource) {
        this.settings = settings;
        this.target = target;
        this.offsetsDataSource = offsetsDataSource;
        this.decoder = new RecordDecoder(settings.queueSchema(), settings.schema());
    }

    /** Starts streaming on a background thread; batches go to the sink one at a time. */
    public void start(StreamSink sink) {
        OffsetStoreRegistry.register(registryKey, new OffsetStoreRegistry.Target(offsetsDataSource, settings, target.name()));
        TransactionBoundary<RecordChangeEvent<SourceRecord>> boundary = new TransactionBoundary<>(e -> RecordDecoder.txId(e.record()));
        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(EngineProperties.build(settings, target, registryKey))
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        started.countDown();
                    }
                })
                .using((success, message, error) -> {
                    if (!success) {
                        failure.compareAndSet(null, error != null ? error : new IllegalStateException(message));
                    }
                    started.countDown();
                    finished.countDown();
                })
                .notifying((records, committer) -> {
                    ChangeBatch batch = decode(records);
                    try {
                        sink.apply(batch);
                    } catch (InterruptedException e) {
                        throw e;
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                        throw new io.debezium.DebeziumException("lookup write failed: " + e.getMessage(), e);
                    }
                    RecordChangeEvent<SourceRecord> done = boundary.complete(records);
                    if (done != null) {
                        committer.markProcessed(done);
                    }
                    committer.markBatchFinished();
                })
                .build();
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "debezium-engine");
            t.setDaemon(true);
            return t;
        });
        executor.execute(engine);
    }

    private ChangeBatch decode(List<RecordChangeEvent<SourceRecord>> records) {
        RecordBatchBuilder batch = new RecordBatchBuilder();
        for (RecordChangeEvent<SourceRecord> e : records) {
            decoder.decode(e.record(), batch);
        }
        return batch.build();
    }

    /** Waits until the connector task runs (or failed to start). */
    public boolean awaitStarted(long timeout, TimeUnit unit) throws InterruptedException {
        return started.await(timeout, unit);
    }

    @Override
    public Throwable awaitTermination() throws InterruptedException {
        finished.await();
        return failure.get();
    }

    @Override
    public boolean isRunning() {
        return finished.getCount() > 0;
    }

    public Throwable failure() {
        return failure.get();
    }

    /** Stops after the batch in flight: it commits, the offsets are flushed, the slot is released. */
    @Override
    public void close() {
        DebeziumEngine<?> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (IOException ex) {
                LOG.warn("engine did not close cleanly: {}", ex.getMessage());
            }
        }
        if (executor != null) {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(8, TimeUnit.SECONDS)) {
                    LOG.warn("engine thread still running after 8 s");
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        OffsetStoreRegistry.unregister(registryKey);
    }
}
