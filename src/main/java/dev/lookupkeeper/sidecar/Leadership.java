package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.AdvisoryLock;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.pg.SocketTimeouts;
import dev.lookupkeeper.pg.LeaderLocks;
import dev.lookupkeeper.pg.PgErrors;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who bootstraps and streams: the one process whose dedicated session holds the leader advisory
 * lock (session level, so PostgreSQL releases it the moment that session ends — a killed leader
 * never leaves it behind). A thread of its own owns the session: it tries for the lock every
 * {@link #TRY_MS} while this process is a standby, and checks the session every {@link #PING_MS}
 * while it leads, so a leader busy with a long backfill or a slot creation still notices a lost
 * session within seconds. The session asks PostgreSQL to end it after {@link #IDLE_END_MS} without
 * a query (PostgreSQL 14+): a leader cut off by the network loses the lock within seconds, not at
 * TCP keepalive's hours.
 */
final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);
    static final long TRY_MS = 100;
    static final long PING_MS = 500;
    static final long IDLE_END_MS = 5000;

    private final Settings settings;
    private final AdvisoryLock lock;
    private final Thread thread;
    private Connection session; // guarded by this
    private volatile Integer backendPid;
    private volatile boolean held;
    private volatile boolean releaseAsked;
    private volatile boolean closed;

    Leadership(Settings settings) {
        this.settings = settings;
        this.lock = new AdvisoryLock(LeaderLocks.name(settings));
        this.thread = new Thread(this::keep, "leader-lock");
        this.thread.setDaemon(true);
    }

    /** Tries once at once (so the first turn knows whether this process leads), then keeps trying or checking. */
    void start() {
        synchronized (this) {
            tryLock();
        }
        thread.start();
    }

    /** Whether this process leads now. */
    boolean held() {
        return held;
    }

    /** For long work done as the leader (a backfill): throws when leadership is gone, so the work stops. */
    void confirm() {
        if (!held) {
            throw new LeadershipLostException("the leader session to PostgreSQL is gone: stopping, another process may lead now");
        }
    }

    /** The server process of the leader session (null: none). */
    Integer backendPid() {
        return backendPid;
    }

    /** Gives leadership up (the session is closed, which releases the lock); the thread tries again afterwards. */
    void drop() {
        releaseAsked = true;
        synchronized (this) {
            held = false; // under the monitor: a tryLock in progress cannot leave it true on a closed session
            closeSession();
        }
        releaseAsked = false;
    }

    private void keep() {
        while (!closed) {
            try {
                if (held) {
                    Thread.sleep(PING_MS);
                    synchronized (this) {
                        if (held && !alive()) {
                            LOG.warn("the leader session to PostgreSQL is gone: this process stops leading (another may take over)");
                            held = false;
                            closeSession();
                        }
                    }
                } else {
                    Thread.sleep(TRY_MS);
                    synchronized (this) {
                        if (!releaseAsked && !closed) {
                            tryLock();
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void tryLock() {
        try {
            if (session == null) {
                session = Database.connect(settings.connection(), "lookupkeeper-leader", SocketTimeouts.CONTROL);
                try (Statement st = session.createStatement()) {
                    if (session.getMetaData().getDatabaseMajorVersion() >= 14) {
                        st.execute("SET idle_session_timeout = " + IDLE_END_MS);
                    }
                    try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                        rs.next();
                        backendPid = rs.getInt(1);
                    }
                }
            }
            held = lock.tryLock(session);
        } catch (SQLException e) {
            LOG.debug("leader lock not tried: {}", PgErrors.brief(e));
            closeSession();
        }
    }

    private boolean alive() {
        try {
            return session != null && session.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private void closeSession() {
        backendPid = null;
        Database.closeQuietly(session);
        session = null;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        synchronized (this) {
            held = false;
            closeSession();
        }
    }

    /** Leadership ended under work only the leader may do. */
    static final class LeadershipLostException extends RuntimeException {
        LeadershipLostException(String message) {
            super(message);
        }
    }
}
