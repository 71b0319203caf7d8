package dev.lookupkeeper.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Closes what the suite shares (the PostgreSQL cluster, the Kafka broker) when the JUnit session
 * ends, while the test fork still runs normally, each close bounded: closing them in JVM shutdown
 * hooks raced the fork's own exit, and a slow broker shutdown there was reported by the build as a
 * failed fork although every test had passed. Shutdown hooks stay as a fallback for a fork that
 * is killed.
 */
public final class SuiteResources implements LauncherSessionListener {
    private static final List<AutoCloseable> OPEN = new ArrayList<>();

    /** Registers something to close at the end of the session (last registered, first closed). */
    public static synchronized void closeAtEnd(AutoCloseable resource) {
        OPEN.add(resource);
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        List<AutoCloseable> all;
        synchronized (SuiteResources.class) {
            all = new ArrayList<>(OPEN);
            OPEN.clear();
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            AutoCloseable r = all.get(i);
            Thread t = new Thread(() -> {
                try {
                    r.close();
                } catch (Exception e) {
                    System.err.println("[tests] closing " + r + ": " + e);
                }
            }, "suite-close");
            t.setDaemon(true);
            t.start();
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                System.err.println("[tests] " + r + " did not close within 30 s; left to the JVM's exit");
            }
        }
    }
}
