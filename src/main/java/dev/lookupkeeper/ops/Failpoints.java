package dev.lookupkeeper.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for crash tests: LOOKUPKEEPER_FAILPOINT=NAME ends the process abruptly (exit 137,
 * like SIGKILL: no shutdown hooks, no rollback beyond what PostgreSQL does for a dropped session)
 * when the code passes the point of that name. Unset in production.
 */
public final class Failpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Failpoints.class);
    private static final String ARMED = System.getenv("LOOKUPKEEPER_FAILPOINT");

    private Failpoints() {}

    public static void hit(String name) {
        if (ARMED != null && ARMED.equals(name)) {
            LOG.warn("failpoint {}: halting", name);
            Runtime.getRuntime().halt(137);
        }
    }
}
