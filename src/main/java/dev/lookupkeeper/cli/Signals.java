package dev.lookupkeeper.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT trigger a clean stop instead of the JVM's default (shutdown hooks, exit
 * 143), so that `run` can finish its batch, commit, release the slot and exit 0 — within
 * {@link #STOP_BOUND_MS}, whatever a connection is doing: a stop still running then (a statement
 * on a connection the network dropped without a reset) ends the process at once. Nothing is lost
 * that way: the stored checkpoint only ever follows committed lookup rows, and the next start
 * resumes from it.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);
    /** Below the 10 s a supervisor commonly grants between SIGTERM and SIGKILL. */
    static final long STOP_BOUND_MS = 9_000;

    private Signals() {}

    static void onTerminate(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), sig -> {
                    startDeadline();
                    action.run();
                });
            } catch (IllegalArgumentException e) {
                // signal not available on this platform: the default handling stays
            }
        }
    }

    private static synchronized void startDeadline() {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(STOP_BOUND_MS);
            } catch (InterruptedException e) {
                return;
            }
            LOG.warn("did not stop within {} s of the signal: exiting now (the next start resumes from the stored checkpoint)",
                    STOP_BOUND_MS / 1000);
            Runtime.getRuntime().halt(ExitCodes.OK);
        }, "stop-bound");
        t.setDaemon(true);
        t.start();
    }
}
