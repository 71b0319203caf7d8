package dev.lookupkeeper.cli;

import dev.lookupkeeper.sidecar.SidecarOptions;
import dev.lookupkeeper.sidecar.SidecarRuntime;
import dev.lookupkeeper.sidecar.StreamSource;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the sidecar in the foreground, following the stored mode: in CDC mode bootstrap the slot when needed and stream"
                + " inserts into the lookup (or wait as a standby while another process holds the slot); in trigger mode stream nothing;"
                + " with --source kafka, consume Debezium events from Kafka instead. Serves the selection, health and metrics over HTTP."
                + " SIGTERM stops it cleanly.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    StreamOptions options;

    @Option(names = "--shadow", description = "In trigger mode, stream into lookupkeeper.shadow_lookup for `verify --parity`")
    boolean shadow;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "${env:LOOKUPKEEPER_HTTP_PORT:-8080}",
            description = "HTTP API port, 0 = off (default: 8080)")
    int httpPort;

    @Option(names = "--http-bind", paramLabel = "ADDRESS", defaultValue = "${env:LOOKUPKEEPER_HTTP_BIND:-127.0.0.1}",
            description = "Address the HTTP API listens on (default: 127.0.0.1, this host or pod only; 0.0.0.0 for every interface)")
    String httpBind;

    @Option(names = "--http-token-file", paramLabel = "FILE", defaultValue = "${env:LOOKUPKEEPER_HTTP_TOKEN_FILE}",
            description = "Require this bearer token (the file's first line) on /v1/*; or set LOOKUPKEEPER_HTTP_TOKEN."
                    + " Health and metrics stay open. The token is never logged")
    java.nio.file.Path httpTokenFile;

    @Option(names = "--heartbeat-ms", paramLabel = "MS", defaultValue = "${env:LOOKUPKEEPER_HEARTBEAT_MS:-10000}",
            converter = DurationConverters.Millis.class,
            description = "Heartbeat through the slot, so WAL is released on an idle queue: milliseconds, or 10s, 1m (default: 10000)")
    Duration heartbeat;

    @Option(names = "--max-retained-wal-mb", paramLabel = "MB", defaultValue = "${env:LOOKUPKEEPER_MAX_RETAINED_WAL_MB:-1024}",
            description = "Warn (log and metric) when the slot retains more WAL than this (default: 1024)")
    long maxRetainedWalMb;

    @Option(names = "--replay-window", paramLabel = "DURATION", defaultValue = "${env:LOOKUPKEEPER_REPLAY_WINDOW:-15m}",
            description = "How far back `replay` can reach: a second slot kept this far behind the stream (e.g. 30s, 15m, 2h; 0 = off;"
                    + " default: 15m). It retains that much WAL, at most --replay-max-wal-mb")
    String replayWindow;

    @Option(names = "--replay-max-wal-mb", paramLabel = "MB", defaultValue = "${env:LOOKUPKEEPER_REPLAY_MAX_WAL_MB:-1024}",
            description = "The replay window never keeps more WAL than this; it shortens instead (default: 1024)")
    long replayMaxWalMb;

    @Option(names = "--selection", paramLabel = "memory|sql", defaultValue = "${env:LOOKUPKEEPER_SELECTION:-memory}",
            description = "Serve HTTP selection from memory (a change stream of the selection's tables; SQL until it has caught up) or always by SQL (default: memory)")
    String selectionMode;

    @Option(names = "--source", paramLabel = "pgoutput|debezium|kafka", defaultValue = "${env:LOOKUPKEEPER_SOURCE:-pgoutput}",
            description = "pgoutput: stream lookupkeeper's slot with the native reader (CDC mode, default; `slot` means the same);"
                    + " debezium: stream it with Debezium's embedded engine; kafka: consume Debezium events from Kafka")
    String source;

    @Option(names = "--min-batch-interval", paramLabel = "DURATION", defaultValue = "${env:LOOKUPKEEPER_MIN_BATCH_INTERVAL:-0}",
            description = "Native reader: at most one lookup transaction per interval while pushes keep arriving (e.g. 2ms;"
                    + " default 0: apply each commit at once). Fewer, larger batches cost the database less; lag grows by up to the interval")
    String minBatchInterval;

    @Option(names = "--on-slot-lost", paramLabel = "rebootstrap|exit", defaultValue = "${env:LOOKUPKEEPER_ON_SLOT_LOST:-rebootstrap}",
            description = "A slot dropped, invalidated, or confirmed past the stored checkpoint: bootstrap the lookup again from the"
                    + " table (default), or exit 6")
    String onSlotLost;

    @Option(names = "--consistency", paramLabel = "eventual|strict",
            description = "eventual (default): the lookup follows commits within milliseconds, no server setting changes; strict:"
                    + " read-your-writes like a trigger — the stream is a synchronous standby, so a push's COMMIT returns only after its"
                    + " lookup row is committed (needs `install --consistency strict`; PostgreSQL 15+)")
    String consistency;

    @Option(names = "--application-name", paramLabel = "NAME",
            description = "application_name of the replication connection, the name synchronous_standby_names lists (default: the slot name)")
    String applicationName;

    @Option(names = "--strict-failover", paramLabel = "DURATION",
            description = "strict: when no stream has confirmed commits for this long (the sidecar died and no standby took over),"
                    + " relax synchronous_standby_names so the database does not stall — fail open to eventual — and restore it"
                    + " once a stream is back (default: 10s)")
    String strictFailover;

    @Option(names = "--strict-sink-commit", paramLabel = "auto|async|sync",
            description = "strict: async — the sidecar's own lookup commit does not wait for its WAL flush; a push's COMMIT returns once"
                    + " the lookup row is visible, and the slot confirms the batch once the WAL is flushed past it (a session left at"
                    + " synchronous_commit = on may wait up to 5 ms more); sync — it waits; auto (default) — async when the server"
                    + " runs with fsync on, else sync")
    String strictSinkCommit;

    @Option(names = "--strict-guard", paramLabel = "process|none", defaultValue = "${env:LOOKUPKEEPER_STRICT_GUARD:-process}",
            description = "strict: process (default) starts a small child process that fails open if this one is killed with SIGKILL"
                    + " and no standby takes over; none relies on standbys or a separate `lookupkeeper guard`")
    String strictGuard;

    @Option(names = "--failover-slot", description = "PostgreSQL 17+: create the slot with failover = true, so a standby that"
            + " synchronizes slots (sync_replication_slots = on) keeps it and a promotion needs no new bootstrap (config key failover-slot)")
    Boolean failoverSlot;

    @Option(names = "--drop-queue-trigger", description = "CDC mode: drop any trigger on the queue's messages table that writes the lookup"
            + " (Queen re-creates trg_update_partition_lookup at every start), at start and whenever it appears again"
            + " (config key drop-queue-trigger)")
    Boolean dropQueueTrigger;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", defaultValue = "${env:LOOKUPKEEPER_KAFKA_BOOTSTRAP}",
            description = "Kafka bootstrap servers (with --source kafka)")
    String kafkaBootstrap;

    @Option(names = "--kafka-topic", paramLabel = "TOPIC", description = "Change topic of queen.messages (default: <topic prefix>.<queue schema>.messages)")
    String kafkaTopic;

    @Option(names = "--kafka-topic-prefix", paramLabel = "PREFIX", defaultValue = "${env:LOOKUPKEEPER_KAFKA_TOPIC_PREFIX:-queen}",
            description = "The Debezium connector's topic.prefix, for the default topic (default: queen)")
    String kafkaTopicPrefix;

    @Option(names = "--kafka-group", paramLabel = "GROUP", defaultValue = "${env:LOOKUPKEEPER_KAFKA_GROUP:-lookupkeeper}",
            description = "Consumer group; instances in one group share the topic's partitions (default: lookupkeeper)")
    String kafkaGroup;

    @Option(names = "--kafka-properties", paramLabel = "FILE", description = "Consumer properties (SASL, TLS, ...), never logged")
    java.nio.file.Path kafkaProperties;

    @Option(names = "--on-malformed", paramLabel = "stop|skip", defaultValue = "stop",
            description = "stop (default): stop at a malformed record, naming its position; skip: count it, and verify fails until resync")
    String onMalformed;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:LOOKUPKEEPER_LOG_FORMAT:-text}",
            description = "Log lines as text (default) or one JSON object per line")
    String logFormat;

    @Override
    public Integer call() throws Exception {
        LogFormat.apply(logFormat);
        if (!"memory".equals(selectionMode) && !"sql".equals(selectionMode)) {
            throw new dev.lookupkeeper.config.ConfigException("--selection must be memory or sql, not '" + selectionMode + "'");
        }
        if (!"rebootstrap".equals(onSlotLost) && !"exit".equals(onSlotLost)) {
            throw new dev.lookupkeeper.config.ConfigException("--on-slot-lost must be rebootstrap or exit, not '" + onSlotLost + "'");
        }
        StreamOptions.put(options.extra, "consistency", consistency);
        StreamOptions.put(options.extra, "application-name", applicationName);
        StreamOptions.put(options.extra, "strict-failover", strictFailover);
        StreamOptions.put(options.extra, "strict-sink-commit", strictSinkCommit);
        StreamOptions.put(options.extra, "drop-queue-trigger", dropQueueTrigger);
        StreamOptions.put(options.extra, "failover-slot", failoverSlot);
        boolean kafkaSource = "kafka".equals(source);
        StreamSource slotSource = kafkaSource ? StreamSource.PGOUTPUT : StreamSource.parse(source);
        if (slotSource == StreamSource.DEBEZIUM && options.settings().connection().unixSocket()) {
            // refused before anything starts: the engine would fail only when a CDC stream starts
            throw new dev.lookupkeeper.config.ConfigException("PGHOST '" + options.settings().connection().host()
                    + "' is a Unix socket directory: Debezium's engine connects over TCP only; use --source pgoutput there,"
                    + " or set PGHOST to a host name or address");
        }
        SidecarOptions sidecar = new SidecarOptions(new dev.lookupkeeper.http.HttpOptions(httpPort, httpBind,
                dev.lookupkeeper.http.BearerToken.load(httpTokenFile, System.getenv("LOOKUPKEEPER_HTTP_TOKEN"))), heartbeat, maxRetainedWalMb * 1024 * 1024,
                "memory".equals(selectionMode), dev.lookupkeeper.config.Durations.parse("--replay-window", replayWindow),
                replayMaxWalMb * 1024 * 1024, slotSource, "rebootstrap".equals(onSlotLost),
                dev.lookupkeeper.config.Durations.parse("--min-batch-interval", minBatchInterval));
        if (kafkaSource) {
            if (options.settings().consistency().strict()) {
                throw new dev.lookupkeeper.config.ConfigException("--consistency strict needs the native stream (--source pgoutput):"
                        + " Kafka Connect confirms positions on its own schedule");
            }
            if (!"stop".equals(onMalformed) && !"skip".equals(onMalformed)) {
                throw new dev.lookupkeeper.config.ConfigException("--on-malformed must be stop or skip, not '" + onMalformed + "'");
            }
            dev.lookupkeeper.config.Settings s = options.settings();
            String topic = kafkaTopic != null ? kafkaTopic : kafkaTopicPrefix + "." + s.queueSchema() + ".messages";
            var kafka = new dev.lookupkeeper.pipeline.source.kafka.KafkaOptions(kafkaBootstrap, topic, kafkaGroup, kafkaProperties, "skip".equals(onMalformed));
            try (dev.lookupkeeper.sidecar.KafkaRuntime runtime = new dev.lookupkeeper.sidecar.KafkaRuntime(s, kafka, sidecar)) {
                Signals.onTerminate(runtime::stop);
                runtime.run();
            }
            LOG.info("stopped cleanly");
            return ExitCodes.OK;
        }
        if (!"process".equals(strictGuard) && !"none".equals(strictGuard)) {
            throw new dev.lookupkeeper.config.ConfigException("--strict-guard must be process or none, not '" + strictGuard + "'");
        }
        dev.lookupkeeper.config.Settings settings = options.settings();
        if (settings.consistency().strict() && "process".equals(strictGuard)) {
            dev.lookupkeeper.sidecar.OrphanGuard.spawn(settings);
        }
        try (SidecarRuntime runtime = new SidecarRuntime(settings, sidecar, shadow, Progress.forTerminal("backfill"))) {
            Signals.onTerminate(runtime::stop);
            runtime.run();
        }
        LOG.info("stopped cleanly");
        return ExitCodes.OK;
    }
}
