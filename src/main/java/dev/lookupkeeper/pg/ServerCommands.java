package dev.lookupkeeper.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a PostgreSQL program (initdb, pg_ctl, ...): as the postgres user when asked (PostgreSQL refuses root). */
public final class ServerCommands {
    private ServerCommands() {}

    /**
     * Runs the command to its end; a non-zero exit, or no end within the timeout (the program is
     * then killed), fails with the program's output.
     */
    public static void run(List<String> cmd, boolean asPostgres, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        Path output = Files.createTempFile("lookupkeeper-cmd-", ".log");
        try {
            // to a file, not a pipe: a program (pg_ctl start) may leave a child holding the pipe open
            Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("no end within " + timeoutSeconds + " s: " + String.join(" ", full) + "\n" + Files.readString(output));
            }
            if (p.exitValue() != 0) {
                throw new IOException("command failed (exit " + p.exitValue() + "): " + String.join(" ", full) + "\n" + Files.readString(output));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
