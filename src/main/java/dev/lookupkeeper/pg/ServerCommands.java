package dev.lookupkeeper.pg;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a PostgreSQL program (initdb, pg_ctl, ...): as the postgres user when asked (PostgreSQL refuses root). */
public final class ServerCommands {
    private ServerCommands() {}

    /** Runs the command to its end; a non-zero exit or a time-out fails with the program's output. */
    public static void run(List<String> cmd, boolean asPostgres, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("command failed: " + String.join(" ", full) + "\n" + output);
        }
    }
}
