package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.core.Uuids;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both switches under 8 writers, clean and with the switch (and separately the sidecar) killed at
 * every step and resumed. A checker samples the oracle throughout and must never see a committed
 * message missing from the lookup for longer than the lag bound.
 */
class SwitchIT {
    private static final Duration LAG_BOUND = Duration.ofSeconds(3);
    private static final List<String> TO_CDC_STEPS = List.of("slot_created", "streaming", "caught_up", "trigger_dropped");
    private static final List<String> TO_TRIGGER_STEPS = List.of("trigger_created", "resynced", "stream_stopped", "slot_dropped");

    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private Sidecar sidecar;

    /** The slot's reader the sidecars of this class use; {@link SwitchDebeziumIT} runs the same on Debezium. */
    String source() {
        return "pgoutput";
    }

    private Map<String, String> env() {
        return db.env(source());
    }

    @Test
    void switchesBothWaysUnderLoadThroughCrashesWithoutAStaleWindow() throws Exception {
        List<UUID> partitions = db.createQueues("sw", 2, 300);
        assertOk(Sidecar.run(env(), "install", "--mode", "trigger"));
        // with no sidecar, to-cdc is refused clearly
        Sidecar.Result refused = Sidecar.run(env(), "switch", "--to", "cdc");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(5);
        assertThat(refused.output()).contains("needs a running sidecar");

        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger samples = new AtomicInteger();
        AtomicBoolean checking = new AtomicBoolean(true);
        Thread checker = new Thread(() -> check(checking, samples, violations), "oracle-checker");
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(8, 2000, 20, 3, 2026)).start()) {
            restartSidecar();
            checker.start();

            // clean switches both ways
            assertOk(Sidecar.run(env(), "switch", "--to", "cdc"));
            assertMode("cdc", false, true);
            assertOk(Sidecar.run(env(), "verify"));
            assertOk(Sidecar.run(env(), "switch", "--to", "trigger"));
            assertMode("trigger", true, false);
            assertOk(Sidecar.run(env(), "verify"));

            // the switch killed right after each step, then resumed
            for (int i = 0; i < TO_CDC_STEPS.size(); i++) {
                killSwitchAfter("cdc", TO_CDC_STEPS.get(i));
                assertMode("cdc", false, true);
                killSwitchAfter("trigger", TO_TRIGGER_STEPS.get(i));
                assertMode("trigger", true, false);
            }

            // the sidecar killed while a switch waits on it, then restarted
            killSidecarDuringSwitch("cdc", "slot_created");
            assertMode("cdc", false, true);
            killSidecarDuringSwitch("trigger", "resynced");
            assertMode("trigger", true, false);
            assertThat(load.failure()).isNull();
        } finally {
            checking.set(false);
            checker.join();
            if (sidecar != null) {
                sidecar.close();
            }
        }
        db.assertLookupEqualsOracle();
        assertThat(samples.get()).as("the checker sampled throughout").isGreaterThan(50);
        assertThat(violations).as("committed messages missing from the lookup for longer than " + LAG_BOUND).isEmpty();
        assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"))
                .as("no slot left behind in trigger mode").isZero();
    }

    private void killSwitchAfter(String to, String step) throws Exception {
        Map<String, String> env = new HashMap<>(env());
        env.put("LOOKUPKEEPER_FAILPOINT", "switch-after:" + step);
        Sidecar.Result killed = Sidecar.run(env, "switch", "--to", to);
        assertThat(killed.exitCode()).as("killed after " + step + "\n" + killed.output()).isEqualTo(137);
        assertThat(db.queryLong("SELECT count(*) FROM lookupkeeper.state WHERE switch_target = '" + to + "' AND switch_step = '" + step + "'"))
                .as("the state records step " + step).isEqualTo(1);
        String opposite = to.equals("cdc") ? "trigger" : "cdc";
        Sidecar.Result other = Sidecar.run(env(), "switch", "--to", opposite);
        assertThat(other.exitCode()).as(other.output()).isEqualTo(5);
        assertThat(other.output()).contains("is in progress").contains("--resume");
        assertOk(Sidecar.run(env(), "switch", "--resume"));
    }

    private void killSidecarDuringSwitch(String to, String step) throws Exception {
        try (Sidecar sw = Sidecar.start(env(), "switch", "--to", to, "--timeout", "60")) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() ->
                    !sw.isAlive() || db.queryLong("SELECT count(*) FROM lookupkeeper.state WHERE switch_step = '" + step + "'") == 1);
            sidecar.sigkill();
            restartSidecar();
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> !sw.isAlive());
            assertThat(sw.sigterm(1)).as(sw.output()).isZero();
        }
    }

    private void restartSidecar() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        sidecar = Sidecar.start(env(), "run").awaitOutput("mode: ");
    }

    private static void assertOk(Sidecar.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
    }

    private void assertMode(String mode, boolean trigger, boolean slot) throws Exception {
        assertThat(db.queryLong("SELECT count(*) FROM lookupkeeper.state WHERE mode = '" + mode + "' AND switch_target IS NULL")).isEqualTo(1);
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'lookupkeeper_partition_lookup'")).isEqualTo(trigger ? 1 : 0);
        assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db.slot(source()) + "'")).isEqualTo(slot ? 1 : 0);
    }

    /** Samples truth then lookup; a partition behind its truth for longer than the bound is a violation. */
    private static void check(AtomicBoolean running, AtomicInteger samples, List<String> violations) {
        Map<String, Long> behindSince = new HashMap<>();
        while (running.get()) {
            try {
                Map<UUID, PgDatabase.Pos> truth = db.oracle();
                Map<UUID, PgDatabase.Pos> lookup = db.lookup();
                long now = System.currentTimeMillis();
                Set<String> behind = new HashSet<>();
                for (Map.Entry<UUID, PgDatabase.Pos> e : truth.entrySet()) {
                    PgDatabase.Pos row = lookup.get(e.getKey());
                    if (row == null || before(row, e.getValue())) {
                        String key = e.getKey() + "@" + e.getValue().messageId();
                        behind.add(key);
                        long since = behindSince.computeIfAbsent(key, k -> now);
                        if (now - since > LAG_BOUND.toMillis() && violations.size() < 20) {
                            violations.add("partition " + e.getKey() + " missing message " + e.getValue().messageId() + " for " + (now - since) + " ms");
                        }
                    }
                }
                behindSince.keySet().retainAll(behind);
                samples.incrementAndGet();
                Thread.sleep(50);
            } catch (Exception e) {
                if (running.get()) {
                    violations.add("checker failed: " + e);
                }
            }
        }
    }

    private static boolean before(PgDatabase.Pos a, PgDatabase.Pos b) {
        int c = a.createdAt().toInstant().compareTo(b.createdAt().toInstant());
        return c != 0 ? c < 0 : Uuids.compare(a.messageId(), b.messageId()) < 0;
    }
}
