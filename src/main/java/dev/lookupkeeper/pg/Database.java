package dev.lookupkeeper.pg;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.ConnectionSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens connections; the password travels as a driver property, never inside a URL or message. */
public final class Database {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private static final String GENERIC_PLANS = "SELECT set_config('plan_cache_mode', 'force_generic_plan', false)"
            + " WHERE current_setting('server_version_num')::int >= 120000";

    private Database() {}

    public static Properties driverProperties(ConnectionSettings c, String applicationName) {
        Properties p = new Properties();
        p.setProperty("user", c.user());
        if (c.password() != null) {
            p.setProperty("password", c.password());
        }
        p.setProperty("ApplicationName", applicationName);
        // lookupkeeper's own commits never wait for a synchronous standby: in strict consistency the
        // standby is the sidecar itself, which would wait on itself (and it costs no round trip here)
        p.setProperty("options", "-c synchronous_commit=local");
        p.setProperty("connectTimeout", "10");
        if (c.unixSocket()) {
            // PGHOST names a socket directory: pgjdbc connects through junixsocket's factory to that socket
            p.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
            p.setProperty("socketFactoryArg", c.socketPath());
        } else {
            p.setProperty("tcpKeepAlive", "true");
        }
        return p;
    }

    public static Connection connect(ConnectionSettings c, String applicationName) throws SQLException {
        return DriverManager.getConnection(c.jdbcUrl(), driverProperties(c, applicationName));
    }

    /**
     * A session as the queue's own clients open one: none of lookupkeeper's session settings (its
     * {@code synchronous_commit = local}), so the server, database and role settings show through.
     */
    public static Connection connectAsQueueClient(ConnectionSettings c, String applicationName) throws SQLException {
        Properties p = driverProperties(c, applicationName);
        p.remove("options");
        return DriverManager.getConnection(c.jdbcUrl(), p);
    }

    /**
     * A connection that gives up on a server silent for {@code socketTimeout} (see
     * {@link SocketTimeouts}): the read fails with SQLSTATE 08006, as any lost connection.
     */
    public static Connection connect(ConnectionSettings c, String applicationName, java.time.Duration socketTimeout) throws SQLException {
        return DriverManager.getConnection(c.jdbcUrl(), withSocketTimeout(driverProperties(c, applicationName), socketTimeout));
    }

    private static Properties withSocketTimeout(Properties p, java.time.Duration socketTimeout) {
        p.setProperty("socketTimeout", Long.toString(Math.max(1, socketTimeout.toSeconds())));
        return p;
    }

    /**
     * Connects with bounded retries and a growing pause. Gives up with a
     * {@link DatabaseNotReadyException} that names the server but never the password.
     */
    public static Connection connectWithRetry(ConnectionSettings c, String applicationName, int attempts) {
        return connectWithRetry(c, applicationName, attempts, null);
    }

    /** As {@link #connectWithRetry(ConnectionSettings, String, int)}, with a socket timeout (null: none). */
    public static Connection connectWithRetry(ConnectionSettings c, String applicationName, int attempts, java.time.Duration socketTimeout) {
        long pauseMs = 500;
        SQLException last = null;
        for (int i = 1; i <= attempts; i++) {
            try {
                return socketTimeout == null ? connect(c, applicationName) : connect(c, applicationName, socketTimeout);
            } catch (SQLException e) {
                last = e;
                if (!isTransient(e)) {
                    break;
                }
                if (i < attempts) {
                    LOG.warn("cannot reach PostgreSQL at {} (attempt {}/{}): {}; retrying in {} ms",
                            c.describe(), i, attempts, PgErrors.brief(e), pauseMs);
                    sleep(pauseMs);
                    pauseMs = Math.min(pauseMs * 2, 5_000);
                }
            }
        }
        throw new DatabaseNotReadyException("cannot connect to PostgreSQL at " + c.describe() + ": " + PgErrors.brief(last)
                + PgErrors.hint(last));
    }

    private static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        // 08xxx connection exceptions and 57P03 (starting up) are worth retrying; auth errors are not.
        return state == null || state.startsWith("08") || "57P03".equals(state);
    }

    /** Closes a connection that may be broken already; never throws. */
    public static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // gone already
            }
        }
    }

    public static HikariDataSource pool(ConnectionSettings c, String applicationName, int size) {
        return pool(c, applicationName, size, null);
    }

    /** @param lockTimeoutMs a lock_timeout for every session of the pool (null: the server's) */
    public static HikariDataSource pool(ConnectionSettings c, String applicationName, int size, Integer lockTimeoutMs) {
        return pool(c, applicationName, size, lockTimeoutMs, null);
    }

    /**
     * @param lockTimeoutMs a lock_timeout for every session of the pool (null: the server's)
     * @param socketTimeout how long a statement may wait for the server's first byte (null: forever;
     *                      see {@link SocketTimeouts}); idle connections are also checked every 30 s
     */
    public static HikariDataSource pool(ConnectionSettings c, String applicationName, int size, Integer lockTimeoutMs,
                                        java.time.Duration socketTimeout) {
        return pool(c, applicationName, size, lockTimeoutMs, socketTimeout, false);
    }

    /**
     * The pool a sink applies batches on: as {@link #pool}, and its sessions keep one (generic) plan
     * per statement. The upsert is planned anew for every batch otherwise — PostgreSQL prefers a
     * custom plan while it guesses a batch of ten partitions and sees one — and that planning cost
     * more than the statement (measured: 0.2–0.7 ms of planning against 0.08–0.15 ms of execution
     * for a one-push batch). The upserts look partitions up by key, so one plan serves every batch
     * size; the sink's other statements scan the same way whatever their parameters (none has a
     * plan only a parameter's value makes good). Only sinks use these pools — a selection's best plan
     * depends on its queue. PostgreSQL before 12 has no such setting and keeps its own choice.
     */
    public static HikariDataSource sinkPool(ConnectionSettings c, String applicationName, int size, Integer lockTimeoutMs,
                                            java.time.Duration socketTimeout) {
        return pool(c, applicationName, size, lockTimeoutMs, socketTimeout, true);
    }

    private static HikariDataSource pool(ConnectionSettings c, String applicationName, int size, Integer lockTimeoutMs,
                                         java.time.Duration socketTimeout, boolean genericPlans) {
        HikariConfig hc = new HikariConfig();
        java.util.List<String> init = new java.util.ArrayList<>();
        if (genericPlans) {
            init.add(GENERIC_PLANS);
        }
        if (lockTimeoutMs != null) {
            init.add("SET lock_timeout = " + lockTimeoutMs.intValue());
        }
        hc.setJdbcUrl(c.jdbcUrl());
        Properties p = driverProperties(c, applicationName);
        if (socketTimeout != null) {
            withSocketTimeout(p, socketTimeout);
            hc.setKeepaliveTime(30_000);
            // a statement that runs long (a lock wait) is cancelled by the server before the socket gives up:
            // the session survives, and the caller's retry takes it from there
            init.add("SET statement_timeout = " + Math.max(1000, socketTimeout.toMillis() - 5000));
        }
        if (!init.isEmpty()) {
            hc.setConnectionInitSql(String.join("; ", init));
        }
        hc.setDataSourceProperties(p);
        hc.setUsername(c.user());
        if (c.password() != null) {
            hc.setPassword(c.password());
        }
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        hc.setPoolName(applicationName);
        hc.setConnectionTimeout(30_000);
        hc.setInitializationFailTimeout(-1);
        return new HikariDataSource(hc);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseNotReadyException("interrupted while waiting for PostgreSQL");
        }
    }
}
