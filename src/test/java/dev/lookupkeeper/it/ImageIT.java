package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The image, built and run on this machine: docker/build-image.sh builds localhost/lookupkeeper
 * (with podman, from a base made of Debian packages when no registry answers); `demo` runs in it to
 * verify: PASS as its non-root user; `run` runs in it against the suite's PostgreSQL on the host
 * network under pushes — lookup = truth — and stops with exit 0 on SIGTERM. Skipped when no podman
 * is installed, unless LOOKUPKEEPER_IMAGE_REQUIRED=1 or -Dimage.required=true (.ci/run sets the
 * variable, after installing podman and runc).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageIT {
    private static final String IMAGE = "localhost/lookupkeeper:latest";

    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @BeforeAll
    static void build() throws Exception {
        boolean podman = Files.isExecutable(Path.of("/usr/bin/podman"));
        if (Boolean.getBoolean("image.required") || "1".equals(System.getenv("LOOKUPKEEPER_IMAGE_REQUIRED"))) {
            assertThat(podman).as("podman is installed (.ci/run installs it)").isTrue();
        }
        assumeTrue(podman, "no podman here: the image test needs it (apt-get install podman runc)");
        Result r = exec(Map.of("LK_ENGINE", "podman"), Duration.ofMinutes(10), "docker/build-image.sh");
        assertThat(r.code()).as("build-image.sh:\n" + r.output()).isZero();
        assertThat(r.output()).contains("localhost/lookupkeeper:latest");
    }

    @Test
    @Order(1)
    void demoRunsInTheImageAsANonRootUser() throws Exception {
        Result id = podman(Map.of(), Duration.ofMinutes(1), "run", "--rm", "--entrypoint", "id", IMAGE, "-u");
        assertThat(id.output().trim()).as(id.output()).isEqualTo("10001");
        Result demo = podman(Map.of(), Duration.ofMinutes(5), "run", "--rm", "--network", "host", IMAGE, "demo", "--duration", "3");
        assertThat(demo.code()).as(demo.output()).isZero();
        assertThat(demo.output()).contains("verify: PASS");
    }

    @Test
    @Order(2)
    void runInTheImageKeepsTheLookupAndStopsOnSigterm() throws Exception {
        List<UUID> partitions = db.createQueues("img", 2, 50);
        String name = "lookupkeeper-it-" + ProcessHandle.current().pid();
        Map<String, String> env = db.env(); // PGPASSWORD is passed by name: its value never shows in the process list
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name, "--network", "host"));
        for (String k : env.keySet()) {
            args.addAll(List.of("-e", k));
        }
        args.addAll(List.of(IMAGE, "run", "--heartbeat-ms", "1000"));
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 300, 5, 0, 8)).start()) {
            Result started = podman(env, Duration.ofMinutes(1), args.toArray(String[]::new));
            assertThat(started.code()).as(started.output()).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> podman(Map.of(), Duration.ofSeconds(20), "logs", name).output().contains("streaming from slot"));
            Thread.sleep(3000);
            load.close();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            long before = System.nanoTime();
            Result stop = podman(Map.of(), Duration.ofSeconds(30), "stop", "-t", "15", name);
            assertThat(stop.code()).as(stop.output()).isZero();
            long stopMs = (System.nanoTime() - before) / 1_000_000;
            String code = podman(Map.of(), Duration.ofSeconds(20), "inspect", "-f", "{{.State.ExitCode}}", name).output().trim();
            String logs = podman(Map.of(), Duration.ofSeconds(20), "logs", name).output();
            System.err.println("[tests] image: run stopped " + stopMs + " ms after SIGTERM, exit " + code);
            assertThat(code).as(logs).isEqualTo("0");
            assertThat(stopMs).as("stopped on SIGTERM, not killed after podman's 15 s").isLessThan(12_000);
            assertThat(logs).contains("stopped cleanly").doesNotContain(env.get("PGPASSWORD"));
        } finally {
            podman(Map.of(), Duration.ofSeconds(30), "rm", "-f", name);
        }
        db.assertLookupEqualsOracle();
    }

    /**
     * The CDC stack's compose file under podman-compose (Debian's), with the PostgreSQL image made
     * from Debian's postgresql package and the password in podman's secret store
     * (docker/compose.podman.yaml): PostgreSQL, the sidecar and the push load come up, the sidecar's
     * own verify in its container passes, the stack goes down with its volume. Prometheus and
     * Grafana are not started: no image of theirs can be made here (their files are checked by
     * DockerFilesTest).
     */
    @Test
    @Order(3)
    void theCdcComposeStackRunsUnderPodmanCompose() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/podman-compose")), "no podman-compose here (apt-get install podman-compose)");
        Result pg = exec(Map.of("LK_ENGINE", "podman"), Duration.ofMinutes(10), "docker/build-image.sh", "--postgres");
        assertThat(pg.code()).as("build-image.sh --postgres:\n" + pg.output()).isZero();
        String secret = "pg_password";
        podman(Map.of(), Duration.ofSeconds(30), "secret", "rm", secret);
        Path pw = Files.createTempFile("lookupkeeper-pw-", "");
        Files.writeString(pw, "pw-" + UUID.randomUUID());
        Result created = podman(Map.of(), Duration.ofSeconds(30), "secret", "create", secret, pw.toString());
        Files.delete(pw);
        assertThat(created.code()).as(created.output()).isZero();
        Map<String, String> env = Map.of("LK_POSTGRES_IMAGE", "localhost/lookupkeeper-postgres:15");
        String[] compose = {"podman-compose", "-p", "lkit", "-f", "docker/compose.cdc.yaml", "-f", "docker/compose.podman.yaml"};
        try {
            Result up = exec(env, Duration.ofMinutes(3), concat(compose, "up", "-d", "postgres", "lookupkeeper", "push"));
            assertThat(up.code()).as(up.output()).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> podman(Map.of(), Duration.ofSeconds(20), "logs", "lkit_lookupkeeper_1").output().contains("streaming from slot"));
            Thread.sleep(3000);
            Result verify = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> podman(Map.of(), Duration.ofSeconds(60), "exec", "lkit_lookupkeeper_1", "java", "-jar",
                            "/opt/lookupkeeper/lookupkeeper.jar", "verify", "--password-file", "/run/secrets/pg_password"), r -> r.code() == 0);
            assertThat(verify.output()).contains("stale         0");
            assertThat(podman(Map.of(), Duration.ofSeconds(20), "logs", "lkit_push_1").output()).contains("pushed");
        } finally {
            exec(env, Duration.ofMinutes(2), concat(compose, "down", "-v"));
            podman(Map.of(), Duration.ofSeconds(30), "secret", "rm", secret);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    record Result(int code, String output) {}

    private static Result podman(Map<String, String> env, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "runc"));
        cmd.addAll(List.of(args));
        return exec(env, timeout, cmd.toArray(String[]::new));
    }

    private static Result exec(Map<String, String> env, Duration timeout, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("lookupkeeper-image-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeout + ":\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
