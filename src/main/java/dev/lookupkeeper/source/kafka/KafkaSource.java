package dev.lookupkeeper.source.kafka;

import dev.lookupkeeper.source.BatchHandler;
import dev.lookupkeeper.source.MalformedEventException;
import dev.lookupkeeper.source.MessageInserted;
import dev.lookupkeeper.source.SourceBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Kafka Connect. Each poll is one batch: decoded, handed to the sink, and only after the lookup
 * transaction committed are the batch's offsets committed. Processing is synchronous within the
 * poll loop, so a rebalance never finds a batch half done: revoked partitions have nothing
 * uncommitted that was applied. Several instances in one consumer group share the partitions.
 */
public final class KafkaSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

    private final KafkaOptions options;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DebeziumJsonDecoder decoder = new DebeziumJsonDecoder();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean running = true;

    public KafkaSource(KafkaOptions options) {
        this.options = options;
        this.consumer = new KafkaConsumer<>(options.consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Polls until {@link #stop()}; throws on a malformed record unless skipping, naming its position. */
    public void run(BatchHandler handler, SkipListener onSkip) throws Exception {
        consumer.subscribe(List.of(options.topic()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                LOG.info("rebalance: giving up {} (everything applied is committed)", partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                LOG.info("rebalance: consuming {}", partitions);
            }
        });
        LOG.info("consuming {} as group {}", options.topic(), options.group());
        {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                List<MessageInserted> messages = new ArrayList<>(records.count());
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                int ignored = 0;
                String last = null;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    String position = r.topic() + "/" + r.partition() + "/" + r.offset();
                    try {
                        DebeziumJsonDecoder.Result result = decoder.decode(r.value(), position);
                        if (result instanceof DebeziumJsonDecoder.Insert insert) {
                            messages.add(insert.message());
                        } else {
                            ignored++;
                        }
                    } catch (MalformedEventException e) {
                        if (!options.skipMalformed()) {
                            throw e;
                        }
                        skipped.incrementAndGet();
                        LOG.warn("skipping malformed record ({}); verify will ask for a resync", e.getMessage());
                        onSkip.skipped(position);
                    }
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    last = position;
                }
                handler.apply(new SourceBatch(messages, 0, null, ignored));
                consumer.commitSync(offsets);
                if (LOG.isDebugEnabled()) {
                    LOG.debug("committed {} records up to {}", records.count(), last);
                }
            }
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
