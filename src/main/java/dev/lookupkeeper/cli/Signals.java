package dev.lookupkeeper.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT trigger a clean stop instead of the JVM's default (shutdown hooks, exit
 * 143), so that `run` can finish its batch, commit, release the slot and exit 0.
 */
final class Signals {
    private Signals() {}

    static void onTerminate(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), sig -> action.run());
            } catch (IllegalArgumentException e) {
                // signal not available on this platform: the default handling stays
            }
        }
    }
}
