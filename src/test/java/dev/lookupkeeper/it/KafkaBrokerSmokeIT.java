package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The test harness's in-process broker takes and serves records. */
class KafkaBrokerSmokeIT {
    @Test
    void brokerRoundTrip() throws Exception {
        KafkaBroker.createTopic("smoke", 2);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", KafkaBroker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>("smoke", "k" + i, "v" + i)).get();
            }
        }
        int seen = 0;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", KafkaBroker.bootstrapServers(),
                "group.id", "smoke", "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of("smoke"));
            long deadline = System.currentTimeMillis() + 30_000;
            while (seen < 10 && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(500));
                seen += rs.count();
            }
        }
        assertThat(seen).isEqualTo(10);
    }
}
