package dev.lookupkeeper.testing;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What Kafka Connect would do, in the test: Debezium's PostgreSQL connector with its own
 * JsonConverter reads queen.messages from a real slot (snapshot first, then the stream) and every
 * change event, key and value exactly as the converter wrote them, goes to a Kafka topic.
 */
public final class DebeziumFeeder implements AutoCloseable {
    private final DebeziumEngine<ChangeEvent<String, String>> engine;
    private final KafkaProducer<String, String> producer;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final AtomicLong produced = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<String> stopped = new java.util.concurrent.atomic.AtomicReference<>();

    public DebeziumFeeder(PgDatabase db, String topic, boolean schemas) {
        this(db, topic, schemas, null);
    }

    /**
     * @param offsets a file for the connector's offsets (null: in memory, and a snapshot first): a feeder
     *                started again with the same file resumes where the last one committed, as a restarted
     *                Connect task does; with a file there is no snapshot (the slot is created before any push)
     */
    public DebeziumFeeder(PgDatabase db, String topic, boolean schemas, java.nio.file.Path offsets) {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", KafkaBroker.bootstrapServers(), "linger.ms", "5", "acks", "all"),
                new StringSerializer(), new StringSerializer());
        var c = db.connection();
        Properties p = new Properties();
        p.setProperty("name", "feeder-" + db.name());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        if (offsets == null) {
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        } else {
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
            p.setProperty("offset.storage.file.filename", offsets.toString());
        }
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("database.hostname", c.host());
        p.setProperty("database.port", Integer.toString(c.port()));
        p.setProperty("database.user", c.user());
        p.setProperty("database.password", c.password());
        p.setProperty("database.dbname", c.database());
        p.setProperty("topic.prefix", "queen");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", db.name() + "_feed");
        p.setProperty("publication.name", "lookupkeeper_messages");
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", offsets == null ? "initial" : "no_data");
        p.setProperty("table.include.list", "queen.messages");
        p.setProperty("column.include.list", "queen.messages.id,queen.messages.partition_id,queen.messages.created_at");
        p.setProperty("poll.interval.ms", "10");
        // like a Connect worker: a restarted PostgreSQL is reconnected to, not the end of the feed
        p.setProperty("errors.max.retries", "-1");
        p.setProperty("errors.retry.delay.initial.ms", "300");
        p.setProperty("errors.retry.delay.max.ms", "2000");
        p.setProperty("converter.schemas.enable", Boolean.toString(schemas));
        engine = DebeziumEngine.create(Json.class).using(p).notifying((records, committer) -> {
            for (ChangeEvent<String, String> e : records) {
                producer.send(new ProducerRecord<>(topic, e.key(), e.value()));
                produced.incrementAndGet();
                committer.markProcessed(e);
            }
            producer.flush();
            committer.markBatchFinished();
        }).using((success, message, error) -> stopped.set(message == null ? "stopped" : message)).build();
        executor.execute(engine);
    }

    public long produced() {
        return produced.get();
    }

    /** Waits until nothing new was produced for a second (the slot is drained). */
    public void awaitQuiet() throws InterruptedException {
        long last = -1;
        while (produced.get() != last) {
            last = produced.get();
            Thread.sleep(1000);
        }
    }

    /** Why the engine stopped (null while it runs): a task that failed for good, as a Connect worker would report it. */
    public String stopped() {
        return stopped.get();
    }

    @Override
    public void close() throws Exception {
        try {
            engine.close();
        } catch (IllegalStateException e) {
            // the engine had stopped on its own already
        }
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        producer.close();
    }
}
