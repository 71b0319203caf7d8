package dev.lookupkeeper.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DDL on queen.messages (creating or dropping the trigger) needs a lock that, while it waits,
 * queues every push behind it. So it waits at most a short lock_timeout, steps aside, and tries
 * again, instead of stalling the queue behind a long transaction.
 */
public final class ShortLocks {
    private static final Logger LOG = LoggerFactory.getLogger(ShortLocks.class);

    private ShortLocks() {}

    public static void execute(Connection c, String what, String sql, int attempts) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (int i = 1; ; i++) {
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = '2s'");
                    st.execute(sql);
                    c.commit();
                    return;
                } catch (SQLException e) {
                    c.rollback();
                    if (!"55P03".equals(e.getSQLState()) || i >= attempts) {
                        if ("55P03".equals(e.getSQLState())) {
                            throw new DatabaseNotReadyException(what + ": could not get a lock on the messages table in " + attempts
                                    + " tries of 2 s (a long transaction holds it); nothing changed, retry later");
                        }
                        throw e;
                    }
                    LOG.warn("{}: lock not granted within 2 s, retrying ({}/{})", what, i, attempts);
                    Database.sleep(500);
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
