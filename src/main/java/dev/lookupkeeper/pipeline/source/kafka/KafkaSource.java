package dev.lookupkeeper.pipeline.source.kafka;

import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.RecordBatchBuilder;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.source.MalformedEventException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debezium change events for queen.messages from a Kafka topic, for teams that run Debezium on
 * Kafka Connect. Each poll is one batch: decoded into the stream's batch, handed to the sink the
 * native reader uses, and only after the sink returned (the batch's transactions settled) are the
 * batch's offsets committed; the batch moves no stream checkpoint, the offsets are the position. A rebalance waits for the batch in
 * flight and commits it before the partitions go: revoked partitions have nothing uncommitted that
 * was applied. Several instances in one consumer group share the partitions.
 */
public final class KafkaSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

    private final KafkaOptions options;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DebeziumJsonDecoder decoder = new DebeziumJsonDecoder();
    private final RecordBatchBuilder builder = new RecordBatchBuilder();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean running = true;

    public KafkaSource(KafkaOptions options) {
        this.options = options;
        this.consumer = new KafkaConsumer<>(options.consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Polls until {@link #stop()}; throws on a malformed record unless skipping, naming its position.
     *
     * <p>Two stages: this thread polls and decodes batch N+1 while a writer thread applies batch N
     * (the consumer fetches and the JSON parse overlap the database write). Batch N's offsets are
     * committed on this thread once its write returned, before batch N+1 is handed over, so at most
     * one batch is in flight and no offset is ever committed ahead of its upsert. A rebalance, a stop
     * or a failure first waits for the write in flight and commits what it covered.
     */
    public void run(StreamSink sink, SkipListener onSkip) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kafka-sink");
            t.setDaemon(true);
            return t;
        });
        try {
            consumer.subscribe(List.of(options.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    try {
                        finishInFlight();
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalStateException("lookup write failed before a rebalance: " + e.getMessage(), e);
                    }
                    LOG.info("rebalance: giving up {} (everything applied is committed)", partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    LOG.info("rebalance: consuming {}", partitions);
                }
            });
            LOG.info("consuming {} as group {}", options.topic(), options.group());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    commitIfDone();
                    continue;
                }
                Decoded next = decode(records, onSkip);
                finishInFlight();
                inFlight = new InFlight(writer.submit(() -> {
                    sink.apply(next.batch());
                    return null;
                }), next.offsets(), next.last(), records.count());
            }
            finishInFlight();
        } finally {
            writer.shutdownNow();
        }
    }

    private record Decoded(ChangeBatch batch, Map<TopicPartition, OffsetAndMetadata> offsets, String last) {}

    private record InFlight(Future<Void> write, Map<TopicPartition, OffsetAndMetadata> offsets, String last, int records) {}

    /** The batch being written; only the consumer thread reads or replaces it. */
    private InFlight inFlight;

    private Decoded decode(ConsumerRecords<byte[], byte[]> records, SkipListener onSkip) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        String last = null;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String position = r.topic() + "/" + r.partition() + "/" + r.offset();
            try {
                decoder.decode(r.value(), position, builder);
            } catch (MalformedEventException e) {
                if (!options.skipMalformed()) {
                    builder.build(); // this poll's records stay uncommitted: dropped, read again after a restart
                    finishInFlight(); // what came before this poll is applied and committed
                    throw e;
                }
                skipped.incrementAndGet();
                LOG.warn("skipping malformed record ({}); verify will ask for a resync", e.getMessage());
                onSkip.skipped(position);
            }
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            last = position;
        }
        return new Decoded(builder.build(), offsets, last);
    }

    /** Waits for the write in flight, then commits its offsets; a failed write is rethrown, nothing committed. */
    private void finishInFlight() throws Exception {
        InFlight f = inFlight;
        if (f == null) {
            return;
        }
        inFlight = null;
        try {
            f.write().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the lookup write was in flight; its offsets stay uncommitted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex; // as the sink threw it: the exit code depends on its kind
            }
            throw new IllegalStateException("lookup write failed: " + cause.getMessage(), cause);
        }
        consumer.commitSync(f.offsets());
        if (LOG.isDebugEnabled()) {
            LOG.debug("committed {} records up to {}", f.records(), f.last());
        }
    }

    /** On an idle poll: commit the batch in flight if its write is done, without waiting. */
    private void commitIfDone() throws Exception {
        if (inFlight != null && inFlight.write().isDone()) {
            finishInFlight();
        }
    }

    /** Told about every skipped record (with --on-malformed skip). */
    @FunctionalInterface
    public interface SkipListener {
        void skipped(String position) throws Exception;
    }

    public long skipped() {
        return skipped.get();
    }

    /** Ends the loop after the batch in flight (which is applied and committed first). */
    public void stop() {
        running = false;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
