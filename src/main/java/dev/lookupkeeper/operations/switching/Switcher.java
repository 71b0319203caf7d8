package dev.lookupkeeper.operations.switching;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.mode.ModeStore;
import dev.lookupkeeper.mode.QueueTriggers;
import dev.lookupkeeper.mode.SwitchRefusedException;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.operations.check.Resync;
import dev.lookupkeeper.operations.install.Installer;
import dev.lookupkeeper.operations.install.StrictLeftovers;
import dev.lookupkeeper.pg.AdvisoryLock;
import dev.lookupkeeper.pg.Slots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a live database between trigger and CDC mode with no window in which a committed message
 * is missing from the lookup. Both writers overlap while the switch runs; every step is
 * idempotent and recorded in lookupkeeper.state, so a switch killed anywhere resumes from its
 * step. A session advisory lock refuses a second concurrent switch.
 *
 * To CDC: slot (+ publication) → sidecar streams (mode = cdc; trigger still on) → the stream has
 * applied a watermark inserted after the switch began → drop the trigger.
 * To trigger: create trigger → resync (covers whatever the stream had not applied) → stop
 * streaming (mode = trigger) → drop the slot (a forgotten slot retains WAL forever).
 */
public final class Switcher {
    private static final Logger LOG = LoggerFactory.getLogger(Switcher.class);
    static final List<String> TO_CDC = List.of("begin", "slot_created", "streaming", "caught_up", "trigger_dropped");
    static final List<String> TO_TRIGGER = List.of("begin", "trigger_created", "resynced", "stream_stopped", "slot_dropped");
    private static final Duration SIDECAR_ALIVE = Duration.ofSeconds(10);
    /**
     * Once a switch waits on the sidecar, a sidecar that went quiet may be restarting (killed and
     * replaced, a standby taking over): a JVM start plus the engine's under load took over 10 s here.
     */
    private static final Duration SIDECAR_RESTART = Duration.ofSeconds(30);

    private final Settings settings;
    private final ModeStore store;
    private final Duration timeout;
    private final Consumer<String> progress;
    private final boolean restoreQueuesTrigger;
    private final QueueTriggers queueTriggers;

    public Switcher(Settings settings, Duration timeout, Consumer<String> progress) {
        this(settings, timeout, progress, false);
    }

    /** @param restoreQueuesTrigger to trigger mode: the queue's own trigger on its own function, not lookupkeeper's */
    public Switcher(Settings settings, Duration timeout, Consumer<String> progress, boolean restoreQueuesTrigger) {
        this.restoreQueuesTrigger = restoreQueuesTrigger;
        this.queueTriggers = new QueueTriggers(settings);
        this.settings = settings;
        this.store = new ModeStore(settings);
        this.timeout = timeout;
        this.progress = progress;
    }

    /** The finished switch: from which mode, to which, and the steps this call performed. */
    public record Outcome(String from, String to, List<String> steps, boolean alreadyThere) {}

    /** @param target "cdc", "trigger", or null to resume the switch in progress */
    public Outcome run(Connection c, String target) throws SQLException, InterruptedException {
        if (!lock().tryLock(c)) {
            throw new SwitchRefusedException("another switch is running right now; wait for it, or for its process to end, then run `switch --resume`");
        }
        try {
            ModeStore.ModeState st = store.read(c);
            if (st.switching()) {
                if (target != null && !target.equals(st.switchTarget())) {
                    throw new SwitchRefusedException("a switch to " + st.switchTarget() + " is in progress (step " + st.switchStep()
                            + "): finish it with `switch --resume` first");
                }
                target = st.switchTarget();
                LOG.info("resuming the switch to {} after step {}", target, st.switchStep());
            } else {
                if (target == null) {
                    throw new SwitchRefusedException("no switch is in progress; the mode is " + st.mode());
                }
                if (target.equals(st.mode())) {
                    if ("cdc".equals(target) && !queueTriggers.find(c).isEmpty()) {
                        return new Outcome("cdc", "cdc", dropQueuesTriggerNextToStream(c), false);
                    }
                    if ("trigger".equals(target)) {
                        StrictLeftovers.read(c, settings).releaseStandbyName(c).forEach(progress); // a switch from before this was done
                    }
                    return new Outcome(st.mode(), target, List.of(), true);
                }
                if ("cdc".equals(target) && !st.sidecarAlive(SIDECAR_ALIVE)) {
                    throw new SwitchRefusedException("switch --to cdc needs a running sidecar to stream: start `lookupkeeper run` first");
                }
                store.beginSwitch(c, target);
                LOG.info("switch to {} begins (mode {})", target, st.mode());
            }
            String from = "cdc".equals(target) ? "trigger" : "cdc";
            List<String> done = "cdc".equals(target) ? toCdc(c) : toTrigger(c);
            store.finishSwitch(c, target);
            LOG.info("switch to {} complete", target);
            return new Outcome(from, target, done, false);
        } finally {
            lock().unlock(c);
        }
    }

    private List<String> toCdc(Connection c) throws SQLException, InterruptedException {
        List<String> done = new ArrayList<>();
        StreamTarget main = StreamTarget.main(settings);
        int at = TO_CDC.indexOf(store.read(c).switchStep());
        if (at < 1) {
            new Installer(settings).install(c, true); // publication, and the checks CDC mode needs
            if (!slotExists(c, main.slot())) {
                Bootstrapper.createSlot(c, settings, main);
            }
            // the trigger kept the table complete: the stream starts at the slot, no backfill
            Bootstrapper.markDone(c, settings, main);
            step(c, "slot_created", done);
        }
        if (at < 2) {
            store.setMode(c, "cdc");
            awaitUntil(c, "the sidecar to stream from slot " + main.slot(), () -> {
                ModeStore.ModeState s = store.read(c);
                if (!s.sidecarAlive(SIDECAR_RESTART)) {
                    throw new SwitchRefusedException("no sidecar has reported for " + SIDECAR_RESTART.toSeconds()
                            + " s: start `lookupkeeper run`, then `switch --resume`");
                }
                return s.sidecarStreaming() && slotActive(c, main.slot());
            });
            step(c, "streaming", done);
        }
        if (at < 3) {
            KeepingUp keepingUp = new KeepingUp(c, settings, store);
            awaitUntil(c, "the stream to keep up (a watermark applied within " + KeepingUp.KEPT_UP.toMillis() + " ms of its commit)",
                    keepingUp::proven);
            step(c, "caught_up", done);
        }
        if (at < 4) {
            new TriggerMode(settings).drop(c);
            int queues = queueTriggers.dropAll(c);
            if (queues > 0) {
                progress.accept("dropped the queue's own trigger too (" + queues + ")");
            }
            step(c, "trigger_dropped", done);
        }
        return done;
    }

    private List<String> toTrigger(Connection c) throws SQLException, InterruptedException {
        List<String> done = new ArrayList<>();
        StreamTarget main = StreamTarget.main(settings);
        int at = TO_TRIGGER.indexOf(store.read(c).switchStep());
        StrictLeftovers strict = StrictLeftovers.read(c, settings);
        // strict with no stream (the sidecar killed): the pushes waiting for it hold their locks on the
        // messages table, and creating the trigger would wait behind them for ever. Release them first,
        // as the sidecar's guard would have failed open; the trigger and the resync then cover them
        strict.releaseStandbyName(c).forEach(progress);
        if (at < 1) {
            if (restoreQueuesTrigger) {
                queueTriggers.restoreQueuesTrigger(c);
                progress.accept("the queue's own trigger trg_update_partition_lookup keeps the lookup again");
            } else {
                new TriggerMode(settings).create(c);
            }
            step(c, "trigger_created", done);
        }
        if (at < 2) {
            Resync.Result r = new Resync(settings).run(c, false);
            progress.accept("resync: " + r.inserted() + " inserted, " + r.advanced() + " advanced, " + r.unchanged() + " unchanged");
            step(c, "resynced", done);
        }
        if (at < 3) {
            store.setMode(c, "trigger");
            awaitUntil(c, "the sidecar to stop streaming from slot " + main.slot(), () -> !slotActive(c, main.slot()));
            step(c, "stream_stopped", done);
        }
        if (at < 4) {
            dropSlot(c, main);
            step(c, "slot_dropped", done);
        }
        // after strict: nothing streams under the sidecar's name any more, and a sidecar killed before the
        // switch left no guard to fail open; the trigger gives read-your-writes, so commits wait for nobody
        strict.releaseStandbyName(c).forEach(progress);
        return done;
    }

    /**
     * CDC mode already, the queue's own trigger still writing next to the stream (a database that
     * was kept by it): the stream covers every commit, so the trigger only costs the write path.
     */
    private List<String> dropQueuesTriggerNextToStream(Connection c) throws SQLException {
        ModeStore.ModeState s = store.read(c);
        if (!s.sidecarAlive(SIDECAR_ALIVE) || !s.sidecarStreaming()) {
            throw new SwitchRefusedException("the queue's own trigger still keeps the lookup and no sidecar streams: start `lookupkeeper run`,"
                    + " then `switch --to cdc` again");
        }
        queueTriggers.dropAll(c);
        progress.accept("dropped the queue's own trigger: the stream keeps the lookup");
        return List.of("queue_trigger_dropped");
    }

    /** Drops the stream's slot and forgets its offsets and bootstrap, together. */
    public static void dropSlot(Connection c, Settings settings, StreamTarget target) throws SQLException {
        if (slotExists(c, target.slot())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                ps.setString(1, target.slot());
                ps.execute();
            }
            LOG.info("slot {} dropped", target.slot());
        }
        String schema = Identifiers.quote(settings.schema());
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".source_offsets WHERE stream = ?")) {
            ps.setString(1, target.name());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schema + ".streams SET bootstrap_status = 'pending', backfill_after = NULL,"
                + " backfill_rows = 0, updated_at = now() WHERE stream = ?")) {
            ps.setString(1, target.name());
            ps.executeUpdate();
        }
    }

    private void dropSlot(Connection c, StreamTarget main) throws SQLException, InterruptedException {
        awaitUntil(c, "slot " + main.slot() + " to be released", () -> !slotActive(c, main.slot()));
        dropSlot(c, settings, main);
        // the in-memory selection's slot lives only while the main slot streams
        String selection = settings.selectionSlot();
        awaitUntil(c, "slot " + selection + " to be released", () -> !slotActive(c, selection));
        Slots.dropIfInactive(c, selection);
        // nobody keeps the replay window in trigger mode
        dev.lookupkeeper.operations.replay.ReplayWindow.drop(c, settings);
    }

    private void step(Connection c, String step, List<String> done) throws SQLException {
        store.setStep(c, step);
        done.add(step);
        progress.accept("step " + step + " done");
        LOG.info("switch step {} done", step);
        // crash tests: LOOKUPKEEPER_FAILPOINT=switch-after:STEP halts right after STEP is recorded
        dev.lookupkeeper.core.Failpoints.hit("switch-after:" + step);
    }


    @FunctionalInterface
    private interface Condition {
        boolean holds() throws SQLException;
    }

    private void awaitUntil(Connection c, String what, Condition condition) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new SwitchRefusedException("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + "; the switch stays at its last step: fix the cause, then `switch --resume`");
            }
            Thread.sleep(100);
        }
    }

    static boolean slotExists(Connection c, String slot) throws SQLException {
        return Slots.present(c, slot);
    }

    static boolean slotActive(Connection c, String slot) throws SQLException {
        return Slots.activePid(c, slot) != null;
    }

    private AdvisoryLock lock() {
        return new AdvisoryLock("lookupkeeper-switch:" + settings.schema());
    }
}
