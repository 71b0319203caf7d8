package dev.lookupkeeper.http;

import java.util.List;

/** What `status` shows; serialised as is for `status --json`. */
public record StatusReport(
        String mode,
        Switch switchInProgress,
        Slot slot,
        Publication publication,
        Trigger trigger,
        Sidecar sidecar,
        LastBatch lastBatch,
        long lookupRows,
        Replay replay,
        Consistency consistency,
        List<QueueTrigger> queueTriggers,
        List<Instance> instances,
        String leader,
        Held held,
        Publication selectionPublication,
        Rebootstrap lastRebootstrap) {

    /** The last time the main stream was bootstrapped again, and why (null: never). */
    public record Rebootstrap(String at, String reason) {}

    /**
     * Transactions the stream delivered but could not settle yet (their partitions not visible, or,
     * strict, their rows locked): the checkpoint stays at {@code fromLsn} until they settle.
     */
    public record Held(int transactions, String since, Double seconds, String fromLsn) {}

    /**
     * One `lookupkeeper run`, from its own heartbeat row.
     *
     * @param role leader (its session holds the leader lock now), standby (reported within 10 s), or gone
     */
    public record Instance(String id, String host, long pid, String role, boolean streaming, double seenSecondsAgo, Long clockOffsetMs) {}

    /** The instance that leads now (null: none). */
    static String leaderOf(List<Instance> instances) {
        return instances.stream().filter(i -> "leader".equals(i.role())).map(Instance::id).findFirst().orElse(null);
    }

    public record Switch(String target, String step, String startedAt) {}

    public record Slot(String name, boolean present, boolean active, Integer activePid, String confirmedFlushLsn,
                       Long lagBytes, Long retainedWalBytes, String restartLsn, Boolean failover) {}

    public record Publication(String name, boolean present, List<String> tables) {}

    public record Trigger(boolean present, boolean enabled, boolean statementLevel) {}

    public record Sidecar(String seenAt, boolean streaming) {}

    /** The replay window: the earliest position (and time) `replay` can start from, and the WAL it keeps. */
    public record Replay(String slot, boolean present, String earliestLsn, String earliestAt, Long retainedWalBytes, boolean replaying) {}

    /** @param checkpointLsn where the native reader resumes (the commit end of the last applied transaction) */
    public record LastBatch(String at, String lsn, long appliedWatermark, String checkpointLsn) {}

    /**
     * @param mode what the sidecar promises (eventual or strict), as it recorded
     * @param inEffect strict and the sidecar's walsender is a synchronous standby right now
     * @param syncState pg_stat_replication.sync_state of the sidecar's walsender (null: none connected)
     * @param relaxedAt when the guard last failed open, while that lasts (null: not relaxed)
     * @param queueCommit synchronous_commit as this database, its roles and the server set it for the queue's
     *                    sessions, most specific first; the server's last, listed only when nothing in this
     *                    database overrides it for the sidecar's own role; strict wants remote_apply
     */
    public record Consistency(String mode, String applicationName, String synchronousStandbyNames, boolean inEffect, String syncState,
                              String relaxedAt, String relaxedReason, List<QueueCommit> queueCommit) {}

    /** @param scope "database", "role NAME", "role NAME in database" or "server" */
    public record QueueCommit(String scope, String synchronousCommit) {}

    /** A trigger of the queue's own on its messages table that writes the lookup (Queen's trg_update_partition_lookup). */
    public record QueueTrigger(String name, String function, boolean enabled) {}
}
