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
        try (Sidecar s = startWithJvm(jvm, env, args)) {
            if (!s.process.waitFor(120, TimeUnit.SECONDS)) {
                s.process.destroyForcibly();
                throw new IllegalStateException("lookupkeeper " + String.join(" ", args) + " did not finish in 120 s:\n" + s.output());
            }
            return new Result(s.process.exitValue(), s.output());
        } finally {
            if (archiving) {
                ClassData.archivingDone();
            }
        }
    }

    public record Result(int exitCode, String output) {}

    /**
     * What a child JVM loads its classes from. The shaded jar `package` built — what operators run —
     * when it is there, and then a class-data archive of it (AppCDS): some 300 children start in a
     * run of the suite, and mapping the archive spares each one loading and verifying the same classes
     * again. Its JVM logging of the archive stays off, so no child prints anything it would not print
     * in production. Without the jar (a test run before `package`), the test's own class path.
     */
    static final class ClassData {
        private static final Path JAR = Path.of("target", "lookupkeeper.jar");
        private static final Path ARCHIVE = Path.of("target", "lookupkeeper-children.jsa");
        private static final Object LOCK = new Object();
        private static boolean archiving;

        static {
            try {
                // an archive of an older jar is refused by the JVM (with a warning): drop it
                if (Files.exists(ARCHIVE) && (!Files.exists(JAR)
                        || Files.getLastModifiedTime(ARCHIVE).compareTo(Files.getLastModifiedTime(JAR)) < 0)) {
                    Files.delete(ARCHIVE);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private ClassData() {}

        static List<String> options() {
            if (!Files.isRegularFile(JAR)) {
                return List.of("-cp", System.getProperty("java.class.path"));
            }
            List<String> options = new ArrayList<>(List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-Xlog:class+path=off"));
            synchronized (LOCK) {
                if (!archiving && Files.isRegularFile(ARCHIVE)) { // never one being written
                    options.add("-XX:SharedArchiveFile=" + ARCHIVE.toAbsolutePath());
                }
            }
            options.addAll(List.of("-cp", JAR.toAbsolutePath().toString()));
            return options;
        }

        /** True for the one caller that should write the archive now (none is written yet, nobody is writing it). */
        static boolean claimArchiving() {
            synchronized (LOCK) {
                if (archiving || !Files.isRegularFile(JAR) || Files.exists(ARCHIVE)) {
                    return false;
                }
                archiving = true;
                return true;
            }
        }

        static String archiveAtExit() {
            return "-XX:ArchiveClassesAtExit=" + ARCHIVE.toAbsolutePath();
        }

        /** The writer exited: if it wrote no archive (it failed), the next command tries. */
        static void archivingDone() {
            synchronized (LOCK) {
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
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).pollInterval(java.time.Duration.ofMillis(100))
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
