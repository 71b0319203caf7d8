package dev.lookupkeeper.pipeline.source.pgoutput;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Tells a quiet replication connection from a dead one. A connection that a NAT or a load balancer
 * forgot carries neither a byte nor a reset, so silence is all there is to go on: after a status
 * interval of it the reader asks the server for a reply once; the connection is taken as dead
 * (SQLSTATE 08006) only when the server has been silent for the silence bound and the question has
 * gone unanswered for the bound less one interval — a reader that was busy elsewhere (a long
 * apply) asks before it judges. Times are {@code
 * System.nanoTime()} values, passed in so the rule can be tested without waiting.
 */
final class SilenceWatch {
    /** The least silence taken as a dead connection, whatever the server's wal_sender_timeout. */
    static final Duration MIN_SILENCE_BOUND = Duration.ofSeconds(15);

    /**
     * How long a silent server is waited for before its connection is taken as dead: at least
     * {@link #MIN_SILENCE_BOUND}, and longer than half the server's {@code wal_sender_timeout} plus
     * a margin — a walsender replaying one very large transaction it filters out answers a request
     * for a reply only when it checks its client, at half that timeout; a shorter bound would end
     * such a stream and start it again at the same transaction, forever.
     */
    static Duration bound(Connection connection) throws SQLException {
        long walSenderTimeoutMs = 60_000;
        try (var st = connection.createStatement();
             var rs = st.executeQuery("SELECT setting::bigint FROM pg_settings WHERE name = 'wal_sender_timeout'")) {
            if (rs.next()) {
                walSenderTimeoutMs = rs.getLong(1);
            }
        }
        return bound(walSenderTimeoutMs);
    }

    static Duration bound(long walSenderTimeoutMs) {
        Duration server = Duration.ofMillis(Math.max(0, walSenderTimeoutMs) / 2).plusSeconds(5);
        return server.compareTo(MIN_SILENCE_BOUND) > 0 ? server : MIN_SILENCE_BOUND;
    }

    private final long statusIntervalNanos;
    private final long silenceBoundNanos;
    private long lastHeardNanos;
    /** A status update asking for a reply went out in this silence, and when. */
    private boolean probed;
    private long probedAtNanos;

    SilenceWatch(long statusIntervalNanos, long silenceBoundNanos, long nowNanos) {
        if (silenceBoundNanos <= statusIntervalNanos) {
            throw new IllegalArgumentException("the silence bound must be longer than the status interval");
        }
        this.statusIntervalNanos = statusIntervalNanos;
        this.silenceBoundNanos = silenceBoundNanos;
        this.lastHeardNanos = nowNanos;
    }

    /** The server said something (any frame): the silence, and the question asked in it, are over. */
    void heard(long nowNanos) {
        lastHeardNanos = nowNanos;
        probed = false;
    }

    /**
     * @return whether to ask the server for a reply now (once per silence, after a status interval of it)
     * @throws SQLException (08006) when the server has been silent for the silence bound and has not
     *                      answered the question asked a bound's worth (less one interval) ago
     */
    boolean askNow(long nowNanos) throws SQLException {
        long silent = nowNanos - lastHeardNanos;
        if (probed && silent >= silenceBoundNanos && nowNanos - probedAtNanos >= silenceBoundNanos - statusIntervalNanos) {
            throw new SQLException("no answer from the server on the replication connection for "
                    + silent / 1_000_000_000 + " s (asked for one): taking the connection as dead", "08006");
        }
        if (silent >= statusIntervalNanos && !probed) {
            probed = true;
            probedAtNanos = nowNanos;
            return true;
        }
        return false;
    }
}
