package dev.lookupkeeper.pipeline.source.kafka;

import dev.lookupkeeper.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Kafka mode's settings. Security settings (SASL, TLS) come from a properties file, so secrets
 * stay out of the process list; they are passed to the consumer as they are and never logged.
 */
public record KafkaOptions(String bootstrap, String topic, String group, Path propertiesFile, boolean skipMalformed) {
    public KafkaOptions {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new ConfigException("--kafka-bootstrap is required with --source kafka (host:port[,host:port])");
        }
        if (topic == null || topic.isBlank() || group == null || group.isBlank()) {
            throw new ConfigException("--kafka-topic and --kafka-group must not be empty");
        }
        if (propertiesFile != null && !Files.isReadable(propertiesFile)) {
            throw new ConfigException("--kafka-properties " + propertiesFile + " does not exist or is not readable");
        }
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        if (propertiesFile != null) {
            try (InputStream in = Files.newInputStream(propertiesFile)) {
                p.load(in);
            } catch (IOException e) {
                throw new ConfigException("--kafka-properties " + propertiesFile + " cannot be read: " + e.getClass().getSimpleName());
            }
        }
        p.setProperty("bootstrap.servers", bootstrap);
        p.setProperty("group.id", group);
        // offsets are committed by hand, only after the lookup transaction committed
        p.setProperty("enable.auto.commit", "false");
        p.putIfAbsent("auto.offset.reset", "earliest");
        p.putIfAbsent("max.poll.records", "20000");
        // schemas-enabled JSON is ~1.5 kB a record: bigger fetches make bigger (better coalesced) batches
        p.putIfAbsent("max.partition.fetch.bytes", Integer.toString(16 * 1024 * 1024));
        p.putIfAbsent("fetch.max.bytes", Integer.toString(64 * 1024 * 1024));
        p.putIfAbsent("fetch.min.bytes", "1");
        p.putIfAbsent("fetch.max.wait.ms", "50");
        // the OS sizes the socket buffer (autotuning): the next fetch keeps arriving while a batch is decoded
        p.putIfAbsent("receive.buffer.bytes", "-1");
        p.putIfAbsent("client.id", "lookupkeeper-" + group);
        return p;
    }
}
