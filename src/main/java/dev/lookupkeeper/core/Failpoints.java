package dev.lookupkeeper.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for crash tests: LOOKUPKEEPER_FAILPOINT=NAME ends the process abruptly (exit 137,
 * like SIGKILL: no shutdown hooks, no rollback beyond what PostgreSQL does for a dropped session)
 * when the code passes the point of that name; LOOKUPKEEPER_FAILPOINT_PAUSE=NAME:MS sleeps there
 * instead (a slow backfill a test can kill in the middle of). Unset in production.
 */
public final class Failpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Failpoints.class);
    private static final String ARMED = System.getenv("LOOKUPKEEPER_FAILPOINT");
    private static final String PAUSE = System.getenv("LOOKUPKEEPER_FAILPOINT_PAUSE");

    private Failpoints() {}

    public static void hit(String name) {
        if (ARMED != null && ARMED.equals(name)) {
            LOG.warn("failpoint {}: halting", name);
            Runtime.getRuntime().halt(137);
        }
    }

    /** Sleeps at this point when LOOKUPKEEPER_FAILPOINT_PAUSE names it. */
    public static void pause(String name) {
        if (PAUSE == null || !PAUSE.startsWith(name + ":")) {
            return;
        }
        try {
            Thread.sleep(Long.parseLong(PAUSE.substring(name.length() + 1)));
        } catch (NumberFormatException e) {
            LOG.warn("LOOKUPKEEPER_FAILPOINT_PAUSE={}: expected NAME:MILLISECONDS", PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
