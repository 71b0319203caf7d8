package dev.lookupkeeper.pipeline;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.pg.SqlTemplates;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import dev.lookupkeeper.pipeline.sink.BatchApplier;
import dev.lookupkeeper.pipeline.sink.StreamBatchSink;
import dev.lookupkeeper.pipeline.source.debezium.DebeziumSource;
import dev.lookupkeeper.pipeline.source.kafka.KafkaSource;
import dev.lookupkeeper.pipeline.source.pgoutput.BatchAssembler;
import dev.lookupkeeper.pipeline.source.pgoutput.PgOutputSource;
import dev.lookupkeeper.pipeline.source.pgoutput.ReplicationConnector;
import dev.lookupkeeper.pipeline.source.pgoutput.StreamRequest;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Joins a source to the sink of a stream target — the one place where that happens, for `run`
 * (every source), `replay` and the benchmarks. Every source decodes into the same batch and hands
 * it to the same sink: {@link StreamBatchSink} over {@link BatchApplier}. Nothing here starts a
 * stream except {@link #debezium}, whose engine is its own thread.
 */
public final class Pipelines {
    /** The stream row Kafka mode's sink writes (its offsets live in the consumer group). */
    public static final String KAFKA_STREAM = "kafka";

    private final Settings settings;
    private final DataSource pool;
    private final PipelineStats stats;

    /**
     * @param pool the sink's connections (and Debezium's offset store)
     * @param stats what every batch the sink applies is counted in
     */
    public Pipelines(Settings settings, DataSource pool, PipelineStats stats) {
        this.settings = settings;
        this.pool = pool;
        this.stats = stats;
    }

    /**
     * The sink of a target.
     *
     * @param follower sees each applied batch (the in-memory selection), or null
     * @param skipLocked strict consistency: never wait for a row another transaction holds
     */
    public StreamBatchSink sink(StreamTarget target, StreamBatchSink.Follower follower, boolean skipLocked) {
        BatchApplier applier = new BatchApplier(pool, settings, SqlTemplates.forTable(settings, target.lookupTable()), target.name(),
                skipLocked, stats);
        return new StreamBatchSink(applier, stats, follower != null ? follower : StreamBatchSink.Follower.NONE);
    }

    /**
     * What the native reader is asked for.
     *
     * @param applicationName the walsender's name (the one synchronous_standby_names lists in strict mode)
     * @param selection whether the selection's tables are streamed too (the batches carry their changes)
     * @param minBatchInterval at most one batch per interval while data keeps arriving
     * @param confirmAtOnce strict consistency: every position confirmed the moment it is safe
     */
    public record NativeRead(String applicationName, StreamRequest request, boolean selection, Duration minBatchInterval,
                             boolean confirmAtOnce) {}

    /** The native reader of a slot into a sink; {@link PgOutputSource#start()} opens the stream. */
    public PgOutputSource pgoutput(NativeRead read, StreamSink sink) {
        return new PgOutputSource(new ReplicationConnector(settings.connection(), read.applicationName()), read.request(),
                new BatchAssembler(settings, read.selection()), sink, settings.maxBatchSize(), read.minBatchInterval(), read.confirmAtOnce());
    }

    /** Debezium's embedded engine on the target's slot into a sink, started (its offsets in the pool's database). */
    public DebeziumSource debezium(StreamTarget target, StreamSink sink) {
        DebeziumSource source = new DebeziumSource(settings, target, pool);
        source.start(sink);
        return source;
    }

    /** The target Kafka mode maintains: the main lookup, under a stream row of its own. */
    public StreamTarget kafkaTarget() {
        return new StreamTarget(KAFKA_STREAM, null, StreamTarget.main(settings).lookupTable());
    }

    /** The sink a {@link KafkaSource} feeds: Kafka mode's stream row, the main lookup, no selection, never lock-skipping. */
    public StreamBatchSink kafkaSink() {
        return sink(kafkaTarget(), null, false);
    }
}
