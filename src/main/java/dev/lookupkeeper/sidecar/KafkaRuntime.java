package dev.lookupkeeper.sidecar;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.http.HttpApi;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.SocketTimeouts;
import dev.lookupkeeper.pipeline.Pipelines;
import dev.lookupkeeper.pipeline.source.kafka.KafkaOptions;
import dev.lookupkeeper.pipeline.source.kafka.KafkaSource;
import dev.lookupkeeper.selection.PartitionSelector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * `run --source kafka`: the same sink as every source, fed by Debezium change events from a Kafka topic. No slot
 * and no replication privilege are needed here: Kafka Connect's connector owns those.
 */
public final class KafkaRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRuntime.class);
    public static final String STREAM = Pipelines.KAFKA_STREAM;

    private final Settings settings;
    private final KafkaOptions kafka;
    private final SidecarOptions options;
    private final PipelineStats stats = new PipelineStats();
    private volatile KafkaSource source;
    private volatile boolean stopped;

    public KafkaRuntime(Settings settings, KafkaOptions kafka, SidecarOptions options) {
        this.settings = settings;
        this.kafka = kafka;
        this.options = options;
    }

    public void run() throws Exception {
        String schema = Identifiers.quote(settings.schema());
        try (Connection c = Database.connectWithRetry(settings.connection(), "lookupkeeper-control", settings.connectAttempts(),
                SocketTimeouts.SETUP)) {
            new Installer(settings).install(c, false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".streams (stream, bootstrap_status) VALUES (?, 'done')"
                    + " ON CONFLICT (stream) DO NOTHING")) {
                ps.setString(1, STREAM);
                ps.executeUpdate();
            }
        }
        // the selection gets a pool of its own: the sink's sessions keep generic plans, which suit its key lookups,
        // not a selection whose best plan depends on the queue it is asked about
        try (HikariDataSource pool = Database.sinkPool(settings.connection(), "lookupkeeper-sink", 3, null, SocketTimeouts.SINK);
             HikariDataSource selectPool = options.http().enabled()
                     ? Database.pool(settings.connection(), "lookupkeeper-select", 4, null, SocketTimeouts.SELECTION) : null;
             KafkaSource s = new KafkaSource(kafka);
             HttpApi http = options.http().enabled()
                     ? new HttpApi(options.http(), dev.lookupkeeper.selection.BoundedSelection.withDefaults(new PartitionSelector(selectPool, settings)),
                             new Metrics(stats),
                             () -> source != null && !stopped, () -> "kafka mode: consuming " + kafka.topic())
                     : null) {
            source = s;
            if (stopped) {
                return;
            }
            s.run(new Pipelines(settings, pool, stats).kafkaSink(), position -> {
                try (Connection c = pool.getConnection();
                     PreparedStatement ps = c.prepareStatement("UPDATE " + schema + ".streams SET skipped_events = skipped_events + 1,"
                             + " updated_at = now() WHERE stream = ?")) {
                    ps.setString(1, STREAM);
                    ps.executeUpdate();
                }
            });
            LOG.info("stopping: the last batch is applied and its offsets committed");
        }
    }

    public PipelineStats stats() {
        return stats;
    }

    public void stop() {
        stopped = true;
        KafkaSource s = source;
        if (s != null) {
            s.stop();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
