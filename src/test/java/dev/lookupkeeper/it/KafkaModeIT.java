package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.DebeziumFeeder;
import dev.lookupkeeper.testing.KafkaBroker;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka mode against a real broker fed with the records Debezium's JsonConverter produces from a
 * real slot: snapshot records first, then multi-row, out-of-order pushes; consumers join, leave
 * and are killed mid-stream; the lookup equals the truth. Malformed records stop the source with
 * their position, or with skip mode are counted and make verify fail until a resync.
 */
class KafkaModeIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void kafkaModeEqualsTheTruthThroughRebalancesAndKills() throws Exception {
        List<UUID> partitions = db.createQueues("kq", 2, 500);
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " SELECT 'pre-' || p.id, p.id, '{}'::jsonb FROM queen.partitions p WHERE random() < 0.5");
        assertThat(Sidecar.run(db.env(), "install").exitCode()).isZero();
        String topic = "cdc-" + db.name();
        KafkaBroker.createTopic(topic, 4);
        Map<String, String> env = kafkaEnv();
        // a killed consumer's partitions move after the session timeout: 6 s (the broker's minimum) instead of 45 s
        java.nio.file.Path props = java.nio.file.Files.createTempFile("consumer-", ".properties");
        java.nio.file.Files.writeString(props, "session.timeout.ms=6000\nheartbeat.interval.ms=1000\n");
        String[] run = {"run", "--source", "kafka", "--kafka-topic", topic, "--kafka-group", "g-" + db.name(), "--kafka-properties", props.toString()};
        try (DebeziumFeeder feeder = new DebeziumFeeder(db, topic, true);
             PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(4, 1500, 20, 3, 11)).start();
             Sidecar a = Sidecar.start(env, run).awaitOutput("consuming");
             Sidecar b = Sidecar.start(env, run).awaitOutput("consuming")) {
            Thread.sleep(2000);
            try (Sidecar c = Sidecar.start(env, run).awaitOutput("consuming")) {   // a third joins
                Thread.sleep(2000);
                assertThat(a.sigterm(15)).as("a consumer leaves cleanly\n" + a.output()).isZero();
                Thread.sleep(1000);
                b.sigkill();                                                      // one is killed
                try (Sidecar b2 = Sidecar.start(env, run).awaitOutput("consuming")) {
                    Thread.sleep(2000);
                    load.close();
                    assertThat(load.failure()).isNull();
                    feeder.awaitQuiet();
                    assertThat(feeder.produced()).isGreaterThan(1000);
                    db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
                    assertThat(b2.sigterm(15)).isZero();
                    assertThat(c.sigterm(15)).isZero();
                }
            }
        }
    }

    @Test
    void malformedRecordsStopOrAreCountedUntilResync() throws Exception {
        List<UUID> partitions = db.createQueues("km", 1, 20);
        assertThat(Sidecar.run(db.env(), "install").exitCode()).isZero();
        String topic = "bad-" + db.name();
        KafkaBroker.createTopic(topic, 1);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", KafkaBroker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(topic, "k", "{\"not\": \"a change event\"")).get();
        }
        Map<String, String> env = kafkaEnv();
        Sidecar.Result stopped = Sidecar.run(env, "run", "--source", "kafka", "--kafka-topic", topic, "--kafka-group", "stop-" + db.name());
        assertThat(stopped.exitCode()).as(stopped.output()).isEqualTo(4);
        assertThat(stopped.output()).contains(topic + "/0/0");

        // skip mode: counted, the stream goes on (schemas disabled this time), verify fails until resync
        try (DebeziumFeeder feeder = new DebeziumFeeder(db, topic, false);
             Sidecar s = Sidecar.start(env, "run", "--source", "kafka", "--kafka-topic", topic, "--kafka-group", "skip-" + db.name(),
                     "--on-malformed", "skip").awaitOutput("consuming")) {
            for (UUID part : partitions) {
                db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('x-" + part + "', '" + part + "', '{}')");
            }
            feeder.awaitQuiet();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));
            assertThat(s.output()).contains("skipping malformed record");
            Sidecar.Result verify = Sidecar.run(db.env(), "verify");
            assertThat(verify.exitCode()).as(verify.output()).isEqualTo(1);
            assertThat(verify.output()).contains("✗ skipped").contains("kafka (1)");
            assertThat(Sidecar.run(db.env(), "resync").exitCode()).isZero();
            Sidecar.Result after = Sidecar.run(db.env(), "verify");
            assertThat(after.exitCode()).as(after.output()).isZero();
            assertThat(s.sigterm(15)).isZero();
        }
    }

    private static Map<String, String> kafkaEnv() {
        Map<String, String> env = new HashMap<>(db.env());
        env.put("LOOKUPKEEPER_KAFKA_BOOTSTRAP", KafkaBroker.bootstrapServers());
        return env;
    }
}
