package dev.lookupkeeper.bench;

import dev.lookupkeeper.pg.SynchronousStandbys;
import java.sql.Connection;

/** Strict cells: the stream's walsender made, and awaited as, the synchronous standby. */
final class SynchronousStream {
    private SynchronousStream() {}

    /** @param enable set synchronous_standby_names here (a sidecar child sets it itself once it streams) */
    static void await(Connection c, String applicationName, boolean enable) throws Exception {
        if (enable && !SynchronousStandbys.enable(c, applicationName)) {
            throw new IllegalStateException("the benchmark's role may not set synchronous_standby_names");
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"sync".equals(SynchronousStandbys.standing(c, applicationName).syncState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the stream's walsender did not become a synchronous standby");
            }
            Thread.sleep(50);
        }
    }
}
