package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.EmbeddedServer;
import dev.lookupkeeper.pipeline.Pipelines;
import dev.lookupkeeper.pipeline.source.kafka.KafkaOptions;
import dev.lookupkeeper.pipeline.source.kafka.KafkaSource;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.testing.KafkaBroker;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka mode's drain rate next to CDC mode's, in one run: one backlog of inserts, drained from
 * lookupkeeper's slot, and — as Debezium's JsonConverter wrote it from a copy of that slot — from a
 * Kafka topic by one consumer and by two in one group. Needs the test class path (the in-process
 * broker):
 *
 *   mvn -B -q test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.lookupkeeper.bench.KafkaDrainBenchmark [-Dexec.args=1000000]
 */
public final class KafkaDrainBenchmark {
    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        List<String> rows = new ArrayList<>();
        try (EmbeddedServer server = EmbeddedServer.start()) {
            ConnectionSettings conn = server.connection();
            Settings settings = new SettingsLoader(Map.of()).load(null, Map.of()).withConnection(conn);
            try (Connection c = Database.connect(conn, "bench")) {
                QueenFixture.createSchema(c);
                List<UUID> partitions = QueenFixture.createQueues(c, "kb", 1, 1000);
                new Installer(settings).install(c, true);
                new Bootstrapper(settings).ensure(c, Bootstrapper.ProgressSink.none());
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_copy_logical_replication_slot('" + settings.slot() + "', 'kafka_feed')");
                }
                System.out.printf("backlog of %,d inserts...%n", backlog);
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.messages (id, transaction_id, partition_id, payload)"
                        + " SELECT gen_random_uuid(), ? || '-' || g, ?, '{}'::jsonb FROM generate_series(1, ?) g")) {
                    for (int done = 0, push = 0; done < backlog; push++) {
                        int n = Math.min(500, backlog - done);
                        ps.setString(1, "b" + push);
                        ps.setObject(2, partitions.get(push % partitions.size()));
                        ps.setInt(3, n);
                        ps.executeUpdate();
                        c.commit();
                        done += n;
                    }
                }
                c.setAutoCommit(true);

                PipelineStats cdc = new PipelineStats();
                try (CdcPipeline p = new CdcPipeline(settings, cdc)) {
                    p.start(Bootstrapper.ProgressSink.none());
                    long t = System.nanoTime();
                    while (cdc.events() < backlog) {
                        Thread.sleep(5);
                    }
                    rows.add(row("CDC mode (embedded engine, lookupkeeper's slot)", backlog, System.nanoTime() - t));
                }

                String topic = "queen.queen.messages";
                KafkaBroker.createTopic(topic, 4);
                System.out.println("feeding Kafka with Debezium's JsonConverter output...");
                long fed = feed(conn, topic, backlog);
                System.out.printf("%,d records on the topic%n", fed);

                for (int consumers : new int[] {1, 2}) {
                    try (Statement st = c.createStatement()) {
                        st.execute("TRUNCATE queen.partition_lookup");
                    }
                    rows.add(row("Kafka mode, " + consumers + " consumer" + (consumers > 1 ? "s" : "") + " in one group",
                            backlog, drainKafka(settings, topic, "bench-" + consumers, consumers, backlog)));
                }
            }
        }
        System.out.println();
        System.out.println("| source | records | drain rate |");
        System.out.println("|---|---|---|");
        rows.forEach(System.out::println);
        System.exit(0);
    }

    private static String row(String what, int n, long nanos) {
        return String.format("| %s | %,d | %,.0f records/s |", what, n, n / (nanos / 1e9));
    }

    private static long drainKafka(Settings settings, String topic, String group, int consumers, int backlog) throws Exception {
        PipelineStats stats = new PipelineStats();
        List<KafkaSource> sources = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(consumers);
        try (var ds = Database.pool(settings.connection(), "bench-sink", consumers + 1)) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO lookupkeeper.streams (stream, bootstrap_status) VALUES ('kafka', 'done') ON CONFLICT DO NOTHING");
            }
            long t = System.nanoTime();
            for (int i = 0; i < consumers; i++) {
                KafkaSource s = new KafkaSource(new KafkaOptions(KafkaBroker.bootstrapServers(), topic, group, null, false));
                sources.add(s);
                var sink = new Pipelines(settings, ds, stats).kafkaSink();
                pool.execute(() -> {
                    try {
                        s.run(sink, pos -> { });
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                });
            }
            while (stats.events() < backlog) {
                Thread.sleep(5);
            }
            long nanos = System.nanoTime() - t;
            sources.forEach(KafkaSource::stop);
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            sources.forEach(KafkaSource::close);
            return nanos;
        }
    }

    private static long feed(ConnectionSettings conn, String topic, int backlog) throws Exception {
        AtomicLong produced = new AtomicLong();
        Properties p = new Properties();
        p.setProperty("name", "bench-feed");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "10000");
        p.setProperty("database.hostname", conn.host());
        p.setProperty("database.port", Integer.toString(conn.port()));
        p.setProperty("database.user", conn.user());
        p.setProperty("database.dbname", conn.database());
        p.setProperty("topic.prefix", "queen");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", "kafka_feed");
        p.setProperty("publication.name", "lookupkeeper_messages");
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("table.include.list", "queen.messages");
        p.setProperty("column.include.list", "queen.messages.id,queen.messages.partition_id,queen.messages.created_at");
        p.setProperty("max.batch.size", "8192");
        p.setProperty("max.queue.size", "16385");
        p.setProperty("poll.interval.ms", "10");
        p.setProperty("statistics.metrics.enabled", "false");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KafkaBroker.bootstrapServers(),
                "linger.ms", "20", "batch.size", "262144", "compression.type", "lz4"), new StringSerializer(), new StringSerializer())) {
            DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class).using(p).notifying((records, committer) -> {
                for (ChangeEvent<String, String> e : records) {
                    producer.send(new ProducerRecord<>(topic, e.key(), e.value()));
                    produced.incrementAndGet();
                    committer.markProcessed(e);
                }
                committer.markBatchFinished();
            }).build();
            ExecutorService ex = Executors.newSingleThreadExecutor();
            ex.execute(engine);
            while (produced.get() < backlog) {
                Thread.sleep(50);
            }
            producer.flush();
            engine.close();
            ex.shutdown();
            ex.awaitTermination(10, TimeUnit.SECONDS);
        }
        return produced.get();
    }
}
