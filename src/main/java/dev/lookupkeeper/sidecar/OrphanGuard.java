package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.SocketTimeouts;
import dev.lookupkeeper.pg.SynchronousStandbys;
import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The strict guard of a sidecar that cannot guard itself any more: a small child process started
 * by `run --consistency strict`, idle while its parent lives. A sidecar killed with SIGKILL (or by
 * the OOM killer) leaves every commit waiting for a walsender that is gone; when the parent
 * disappears, this process waits --strict-failover for a stream to return (a standby taking the
 * slot over, a restart) and otherwise fails open. Then it exits; the next run starts a new one.
 */
public final class OrphanGuard {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanGuard.class);

    private OrphanGuard() {}

    /** Starts the child for this process; it inherits the output and gets the connection through libpq variables, never argv. */
    public static Process spawn(Settings s) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx32m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                "dev.lookupkeeper.cli.Main", "guard", "--parent-pid", Long.toString(ProcessHandle.current().pid()),
                "--queue-schema", s.queueSchema(), "--schema", s.schema(), "--slot", s.slot(),
                "--application-name", s.consistency().applicationName(),
                "--strict-failover", s.consistency().strictFailover().toMillis() + "ms"));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        Map<String, String> env = pb.environment();
        env.putAll(s.connection().libpqEnvironment());
        if (s.connection().password() != null) {
            env.put("PGPASSWORD", s.connection().password());
        } else {
            env.remove("PGPASSWORD");
        }
        pb.directory(new File(System.getProperty("user.dir")));
        return pb.start();
    }

    /**
     * Polls the parent every {@link StrictGuard#CHECK_MS} and returns the time it was found gone.
     * Not {@code ProcessHandle.onExit()}: for a process that is not its child the JDK polls with a
     * pause growing to 5 s, which would push the fail-open seconds past --strict-failover.
     */
    static long awaitExit(long pid) throws InterruptedException {
        Optional<ProcessHandle> parent = ProcessHandle.of(pid);
        while (parent.isPresent() && parent.get().isAlive()) {
            Thread.sleep(StrictGuard.CHECK_MS);
        }
        return System.currentTimeMillis();
    }

    /** Waits for the parent to exit, then guards until a stream is back, nothing waits, or it failed open. */
    public static void watch(Settings s, long parentPid) throws InterruptedException {
        long parentGoneMs = awaitExit(parentPid);
        String app = s.consistency().applicationName();
        StrictGuard guard = new StrictGuard(s, new Metrics(new PipelineStats()), () -> false);
        // the parent's stream, if it had one, ended when the parent died: the bound counts from
        // then, not from this guard's first look after connecting
        guard.streamEndedAt(parentGoneMs);
        long giveUp = System.currentTimeMillis() + s.consistency().strictFailover().toMillis() * 3 + 30_000;
        while (System.currentTimeMillis() < giveUp) {
            try (Connection c = Database.connect(s.connection(), "lookupkeeper-guard", SocketTimeouts.CONTROL)) {
                while (System.currentTimeMillis() < giveUp) {
                    SynchronousStandbys.Standing st = SynchronousStandbys.standing(c, app);
                    if (!st.listed()) {
                        return; // nothing waits for the sidecar (it stopped cleanly, or the guard failed open)
                    }
                    if (st.streaming()) {
                        LOG.info("guard: a stream of {} is back; the database is guarded by it", app);
                        return;
                    }
                    guard.check(c, System.currentTimeMillis());
                    Thread.sleep(StrictGuard.CHECK_MS);
                }
            } catch (SQLException e) {
                LOG.warn("guard: {}", e.getMessage());
                Thread.sleep(1000);
            }
        }
    }
}
