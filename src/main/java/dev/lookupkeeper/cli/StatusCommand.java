package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.http.StatusReader;
import dev.lookupkeeper.http.StatusReport;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.Preflight;
import dev.lookupkeeper.pg.Privileges;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Mode, switch in progress, slot (activity, lag, retained WAL), publication, trigger, last batch, lookup rows.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--json", description = "Print as JSON")
    boolean json;

    @Option(names = "--application-name", paramLabel = "NAME",
            description = "The sidecar's replication application_name (default: as the running sidecar recorded it, else the slot name)")
    String applicationName;

    @Override
    public Integer call() throws Exception {
        Settings s = db.settings();
        StatusReport r;
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-status", s.connectAttempts())) {
            Preflight.requireRights(c, s, Privileges.Access.READ, Preflight.Slot.NEVER);
            r = new StatusReader(s, applicationName).read(c);
        }
        if (json) {
            System.out.println(Json.write(r));
            return ExitCodes.OK;
        }
        System.out.println("mode:         " + r.mode());
        System.out.println("switch:       " + (r.switchInProgress() == null ? "none"
                : "to " + r.switchInProgress().target() + ", at step " + r.switchInProgress().step() + " (since " + r.switchInProgress().startedAt() + ")"));
        StatusReport.Slot sl = r.slot();
        System.out.println("slot:         " + sl.name() + (sl.present()
                ? (sl.active() ? ", active (server pid " + sl.activePid() + ")" : ", inactive") + ", confirmed " + sl.confirmedFlushLsn()
                  + ", lag " + sl.lagBytes() + " bytes, retained WAL " + sl.retainedWalBytes() + " bytes"
                  + (Boolean.TRUE.equals(sl.failover()) ? ", failover (kept by a standby that synchronizes slots)"
                     : Boolean.FALSE.equals(sl.failover()) ? ", no failover (a promotion bootstraps again)" : "")
                : " absent"));
        System.out.println("publication:  " + r.publication().name() + (r.publication().present() ? " on " + String.join(", ", r.publication().tables()) : " absent"));
        if (r.lastRebootstrap() != null) {
            System.out.println("bootstrapped again: " + r.lastRebootstrap().at() + ": " + r.lastRebootstrap().reason());
        }
        StatusReport.Publication sp = r.selectionPublication();
        System.out.println("selection publication: " + sp.name() + (sp.present() ? " on " + String.join(", ", sp.tables())
                : " absent (run serves the selection by SQL; install as the tables' owner creates it)"));
        System.out.println("trigger:      " + (r.trigger().present()
                ? (r.trigger().enabled() ? "enabled" : "DISABLED") + (r.trigger().statementLevel() ? ", statement-level" : ", ROW-level") : "absent"));
        StatusReport.Consistency cs = r.consistency();
        System.out.println("consistency:  " + cs.mode() + ("strict".equals(cs.mode())
                ? (cs.inEffect() ? " (in effect: " + cs.applicationName() + " is a synchronous standby)"
                   : cs.relaxedAt() != null ? " — FAILED OPEN at " + cs.relaxedAt() + " (" + cs.relaxedReason() + "): eventual until a stream is back"
                   : " — NOT in effect: synchronous_standby_names '" + cs.synchronousStandbyNames() + "', " + cs.applicationName()
                     + (cs.syncState() == null ? " not connected" + (waitForNobody(cs) ? "; COMMITS WAIT for it: a guard fails open"
                        + " within --strict-failover, `switch --to trigger` releases them at once" : "") : " sync_state " + cs.syncState()))
                : (cs.syncState() != null && !"async".equals(cs.syncState()) ? " (but " + cs.applicationName() + " is sync_state "
                   + cs.syncState() + ": commits wait for an eventual stream)" : "")));
        if ("strict".equals(cs.mode())) {
            System.out.println("queue commit: " + (cs.queueCommit().isEmpty()
                    ? "the server's synchronous_commit (not read; on unless changed)"
                    : cs.queueCommit().stream().map(q -> q.synchronousCommit() + " (" + q.scope() + ")")
                      .collect(java.util.stream.Collectors.joining("; ")))
                    + (cs.queueCommit().stream().anyMatch(q -> q.synchronousCommit().equals("remote_apply")) ? ""
                       : " — remote_apply lets a push wait for its lookup row only: `install --consistency strict` sets it"));
        }
        System.out.println("queue trigger: " + (r.queueTriggers().isEmpty() ? "none"
                : r.queueTriggers().stream().map(t -> t.name() + " (" + t.function() + (t.enabled() ? "" : ", disabled") + ")")
                  .collect(java.util.stream.Collectors.joining(", "))
                  + ("cdc".equals(r.mode()) ? " — writes partition_lookup on every push: drop it, or run with --drop-queue-trigger" : "")));
        System.out.println("sidecar:      " + (r.sidecar().seenAt() == null ? "never seen" : "last seen " + r.sidecar().seenAt()
                + (r.sidecar().streaming() ? ", streaming" : ", not streaming")));
        System.out.println("instances:    " + (r.instances().isEmpty() ? "none reporting" : r.instances().size() + ", leader "
                + (r.leader() == null ? "none" : r.leader())));
        for (StatusReport.Instance i : r.instances()) {
            System.out.println("  " + i.role() + "  " + i.id() + (i.streaming() ? "  streaming" : "") + "  seen " + i.seenSecondsAgo() + " s ago"
                    + (i.clockOffsetMs() == null || Math.abs(i.clockOffsetMs()) < 1000 ? "" : "  clock off by " + i.clockOffsetMs() + " ms"));
        }
        System.out.println("last batch:   " + (r.lastBatch() == null || r.lastBatch().at() == null ? "none"
                : r.lastBatch().at() + " up to " + r.lastBatch().lsn()));
        System.out.println("checkpoint:   " + (r.lastBatch() == null || r.lastBatch().checkpointLsn() == null ? "none"
                : r.lastBatch().checkpointLsn() + " (the stream resumes here)"));
        if (r.held() != null && r.held().transactions() > 0) {
            System.out.printf("held:         %d transaction(s) for %.0f s, not visible yet; the checkpoint stays at %s until they are%n",
                    r.held().transactions(), r.held().seconds() == null ? 0.0 : r.held().seconds(), r.held().fromLsn());
        } else {
            System.out.println("held:         none");
        }
        System.out.println("lookup rows:  " + r.lookupRows());
        StatusReport.Replay rp = r.replay();
        System.out.println("replay from:  " + (rp.present()
                ? rp.earliestLsn() + (rp.earliestAt() == null ? "" : " (" + rp.earliestAt() + ")") + ", slot " + rp.slot()
                  + " retains " + rp.retainedWalBytes() + " bytes of WAL" + (rp.replaying() ? "; a replay is running" : "")
                : "no replay window (slot " + rp.slot() + " absent)"));
        return ExitCodes.OK;
    }

    /** The name strict set is there with no walsender of it: every commit that waits for a synchronous standby waits for nobody. */
    private static boolean waitForNobody(StatusReport.Consistency cs) {
        return cs.synchronousStandbyNames() != null
                && dev.lookupkeeper.pg.SynchronousStandbys.names(cs.synchronousStandbyNames()).contains(cs.applicationName());
    }
}
