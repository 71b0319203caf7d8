package dev.lookupkeeper.pipeline.source.debezium;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pipeline.checkpoint.DatabaseOffsetStore;
import java.util.Properties;

/** Debezium embedded-engine configuration for lookupkeeper's slot and publication. */
public final class EngineProperties {
    /** Topic prefix of the records the engine produces; never leaves the process. */
    static final String TOPIC_PREFIX = "lookupkeeper";

    private EngineProperties() {}

    static Properties build(Settings s, dev.lookupkeeper.core.StreamTarget target, String offsetRegistryKey) {
        Properties p = connection(s, target.slot());
        p.setProperty("offset.storage", DatabaseOffsetStore.class.getName());
        p.setProperty(DatabaseOffsetStore.REGISTRY_KEY, offsetRegistryKey);
        // Offsets are flushed after every batch the sink has committed, never on a timer.
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("slot.name", target.slot());
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("publication.name", s.publication());
        // The slot and the backfill replace Debezium's snapshot (slot first, then backfill).
        p.setProperty("snapshot.mode", "no_data");
        // a slot confirmed past the stored offset was re-created or moved by someone else: fail
        // rather than stream on over a gap nobody can know (the sidecar then bootstraps again)
        p.setProperty("offset.mismatch.strategy", "trust_offset");
        p.setProperty("table.include.list", s.queueSchema() + ".messages," + s.schema() + ".watermark");
        p.setProperty("column.include.list",
                s.queueSchema() + ".messages.id," + s.queueSchema() + ".messages.partition_id," + s.queueSchema() + ".messages.created_at,"
                        + s.schema() + ".watermark.id");
        // a TRUNCATE of the messages must reach the sink (every row is then checked), as with the
        // native reader; Debezium skips truncate events unless told otherwise
        p.setProperty("skipped.operations", "none");
        p.setProperty("max.batch.size", Integer.toString(s.maxBatchSize()));
        // two batches in the queue keep the engine busy while the sink writes, and bound the heap
        p.setProperty("max.queue.size", Integer.toString(s.maxBatchSize() * 2 + 1));
        p.setProperty("poll.interval.ms", Long.toString(s.pollInterval().toMillis()));
        return p;
    }

    /** Connection, slot and the settings every lookupkeeper engine shares. */
    public static Properties connection(Settings s, String slot) {
        var c = s.connection();
        if (c.unixSocket()) {
            throw new dev.lookupkeeper.config.ConfigException("PGHOST '" + c.host() + "' is a Unix socket directory: Debezium's engine"
                    + " connects over TCP only; use --source pgoutput there, or set PGHOST to a host name or address");
        }
        Properties p = new Properties();
        p.setProperty("name", "lookupkeeper-" + slot);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("database.hostname", c.host());
        p.setProperty("database.port", Integer.toString(c.port()));
        p.setProperty("database.user", c.user());
        if (c.password() != null) {
            p.setProperty("database.password", c.password());
        }
        p.setProperty("database.dbname", c.database());
        p.setProperty("database.sslmode", c.sslMode());
        p.setProperty("database.tcpKeepAlive", "true");
        p.setProperty("topic.prefix", TOPIC_PREFIX);
        p.setProperty("plugin.name", "pgoutput");
        // lookupkeeper creates and validates its publications itself (install).
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("status.update.interval.ms", "1000");
        p.setProperty("time.precision.mode", "adaptive");
        p.setProperty("include.unknown.datatypes", "false");
        // lookupkeeper measures its own lag; Debezium's statistics queue overflows (and logs a
        // warning per event) when the sidecar drains a large backlog.
        p.setProperty("statistics.metrics.enabled", "false");
        // Debezium reconnects right after it found its stored position, and the walsender of the
        // connection it just closed may still hold the slot for a moment: it then waits
        // slot.retry.delay.ms (10 s by default) before it tries again, and the lookup stalls that
        // long. Short pauses instead, 20 s in all before the run fails (the sidecar then restarts
        // the stream).
        p.setProperty("slot.retry.delay.ms", "200");
        p.setProperty("slot.max.retries", "100");
        // A lost connection is retried a bounded number of times, then the run fails loudly.
        p.setProperty("errors.max.retries", "5");
        p.setProperty("errors.retry.delay.initial.ms", "300");
        p.setProperty("errors.retry.delay.max.ms", "5000");
        return p;
    }
}
