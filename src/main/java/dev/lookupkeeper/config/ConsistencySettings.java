package dev.lookupkeeper.config;

import java.time.Duration;

/**
 * How the sidecar keeps its promise to the queue's clients.
 *
 * @param consistency eventual (default) or strict (read-your-writes through synchronous replication)
 * @param applicationName the replication connection's application_name, the name
 *                        synchronous_standby_names lists in strict mode
 * @param dropQueueTrigger in CDC mode, drop any trigger on the queue's messages table that writes
 *                         the lookup (Queen re-creates its own at every start)
 * @param strictFailover strict: how long commits may wait for a missing stream before the guard
 *                       fails open (relaxes synchronous_standby_names)
 * @param sinkCommit strict: whether the sidecar's own lookup commit waits for its WAL flush (see
 *                   {@link SinkCommit})
 */
public record ConsistencySettings(Consistency consistency, String applicationName, boolean dropQueueTrigger, Duration strictFailover,
                                  SinkCommit sinkCommit) {
    public ConsistencySettings {
        Identifiers.validate("--application-name", applicationName);
        if (strictFailover.toMillis() < 1000 || strictFailover.toMinutes() > 10) {
            throw new ConfigException("--strict-failover must be between 1s and 10m, not " + strictFailover.toMillis() + " ms");
        }
    }

    /**
     * Strict consistency's own lookup commit. ASYNC: it does not wait for its WAL flush — the batch is
     * reported applied (visible) when the commit returns and flushed (durable, what the slot
     * confirms) once the server's WAL is flushed past it. SYNC: it waits. AUTO: asynchronous when the
     * server runs with fsync on, where the flush it saves is a write to the disk; with fsync off that
     * flush is a write to the kernel only and the gain is within noise (docs/benchmarks.md).
     */
    public enum SinkCommit {
        AUTO, ASYNC, SYNC;

        public static SinkCommit parse(String option, String value) {
            try {
                return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(option + " must be auto, async or sync, not '" + value + "'");
            }
        }
    }

    public boolean strict() {
        return consistency == Consistency.STRICT;
    }

    public static ConsistencySettings defaults(String slot) {
        return new ConsistencySettings(Consistency.EVENTUAL, slot, false, Duration.ofSeconds(10), SinkCommit.AUTO);
    }
}
