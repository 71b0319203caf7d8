package dev.lookupkeeper.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** lookupkeeper as a child JVM, so tests can SIGKILL or SIGTERM it like an orchestrator would. */
public final class Sidecar implements AutoCloseable {
    private final Process process;
    private final Path output;

    private Sidecar(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    public static Sidecar start(Map<String, String> env, String... args) throws IOException {
        return startWithJvm(List.of("-Xmx512m"), env, args);
    }

    /** Starts `lookupkeeper` with these JVM options (a small heap, a collector) instead of -Xmx512m. */
    public static Sidecar startWithJvm(List<String> jvmOptions, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(ClassData.options());
        cmd.add("dev.lookupkeeper.cli.Main");
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("sidecar-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("LOOKUPKEEPER_"));
        pb.environment().putAll(env);
        return new Sidecar(pb.start(), out);
    }

    /** Runs a CLI command to completion and returns its exit code and combined output. */
    public static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        // a command that runs to completion: the client compiler and the serial collector start it ~25 % faster
        List<String> jvm = new ArrayList<>(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        boolean archiving = ClassData.claimArchiving();
        if (archiving) {
            jvm.add(ClassData.archiveAtExit()); // a command that exits normally writes the class archive the next children map
        }
        boolean clean = false;
        try (Sidecar s = startWithJvm(jvm, env, args)) {
            if (!s.process.waitFor(120, TimeUnit.SECONDS)) {
                s.process.destroyForcibly();
                s.process.waitFor(30, TimeUnit.SECONDS);
                throw new IllegalStateException("lookupkeeper " + String.join(" ", args) + " did not finish in 120 s:\n" + s.output());
            }
            clean = s.process.exitValue() == 0;
            return new Result(s.process.exitValue(), s.output());
        } finally {
            if (archiving) {
                ClassData.archivingDone(clean);
            }
        }
    }

    public record Result(int exitCode, String output) {}

    /**
     * What a child JVM loads its classes from. The shaded jar `package` built — what operators run —
     * when it is there and not older than the compiled classes, and then a class-data archive of it
     * (AppCDS): some 300 children start in a run of the suite, and mapping the archive spares each one
     * loading and verifying the same classes again. The JVM's logging of the archive stays off, so no
     * child prints anything it would not print in production. Otherwise (a test run before `package`,
     * or classes compiled after it) the test's own class path, as before.
     */
    static final class ClassData {
        private static final Path JAR = Path.of("target", "lookupkeeper.jar");
        /** One archive per JDK: an archive only maps into the JVM build that wrote it. */
        private static final Path ARCHIVE = Path.of("target", "lookupkeeper-children-" + Runtime.version() + ".jsa");
        private static final Path WRITING = Path.of(ARCHIVE + ".tmp");
        private static final boolean USE_JAR = jarIsCurrent();
        private static final Object LOCK = new Object();
        private static boolean archiving;

        static {
            try {
                // an archive of an older jar would be refused by the JVM: drop it
                if (Files.exists(ARCHIVE) && (!USE_JAR || Files.getLastModifiedTime(ARCHIVE).compareTo(Files.getLastModifiedTime(JAR)) < 0)) {
                    Files.delete(ARCHIVE);
                }
            } catch (IOException e) {
                // no archive then: children start without it
            }
        }

        private ClassData() {}

        /** The jar, unless a class under target/classes is newer (compiled after `package`: the jar would run old code). */
        private static boolean jarIsCurrent() {
            if (!Files.isRegularFile(JAR)) {
                return false;
            }
            try (var files = Files.walk(Path.of("target", "classes"))) {
                long jar = Files.getLastModifiedTime(JAR).toMillis();
                return files.filter(Files::isRegularFile).noneMatch(f -> {
                    try {
                        return Files.getLastModifiedTime(f).toMillis() > jar;
                    } catch (IOException e) {
                        return true;
                    }
                });
            } catch (IOException | java.io.UncheckedIOException e) {
                return false;
            }
        }

        static List<String> options() {
            if (!USE_JAR) {
                return List.of("-cp", System.getProperty("java.class.path"));
            }
            List<String> options = new ArrayList<>(List.of("-Xlog:cds*=off", "-Xlog:class+path=off"));
            synchronized (LOCK) {
                if (!archiving && Files.isRegularFile(ARCHIVE)) {
                    options.add("-XX:SharedArchiveFile=" + ARCHIVE.toAbsolutePath());
                }
            }
            options.addAll(List.of("-cp", JAR.toAbsolutePath().toString()));
            return options;
        }

        /** True for the one caller that should write the archive now (none is written yet, nobody is writing it). */
        static boolean claimArchiving() {
            synchronized (LOCK) {
                if (archiving || !USE_JAR || Files.exists(ARCHIVE)) {
                    return false;
                }
                archiving = true;
                return true;
            }
        }

        /** Written aside and moved into place only by a child that exited 0: never a partial archive in use. */
        static String archiveAtExit() {
            return "-XX:ArchiveClassesAtExit=" + WRITING.toAbsolutePath();
        }

        /** The writer exited: its archive goes into place if it finished; if not, the next command tries again. */
        static void archivingDone(boolean exitedCleanly) {
            synchronized (LOCK) {
                try {
                    if (exitedCleanly && Files.size(WRITING) > 0) {
                        Files.move(WRITING, ARCHIVE, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    } else {
                        Files.deleteIfExists(WRITING);
                    }
                } catch (IOException e) {
                    // none written (a command that failed early): the next one tries
                }
                archiving = false;
            }
        }
    }

    public long pid() {
        return process.pid();
    }

    public void sigkill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns the exit code, or -1 if it did not exit within the bound. */
    public int sigterm(long timeoutSeconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            return -1;
        }
        return process.exitValue();
    }

    /** Waits until `run` logs that it streams; fails with its output if it died instead. */
    public Sidecar awaitStreaming() {
        return awaitOutput("streaming from slot");
    }

    /** Waits until the output contains the text; fails with the output if the process died first. */
    public Sidecar awaitOutput(String text) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).pollInterval(java.time.Duration.ofMillis(25))
                .until(() -> output().contains(text) || !isAlive());
        if (!output().contains(text)) {
            throw new AssertionError("lookupkeeper exited before printing '" + text + "':\n" + output());
        }
        return this;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        new File(output.toString()).delete();
    }
}
