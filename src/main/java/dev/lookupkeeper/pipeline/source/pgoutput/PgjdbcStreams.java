package dev.lookupkeeper.pipeline.source.pgoutput;

import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;
import org.postgresql.core.VisibleBufferedInputStream;

/**
 * What the replication channel needs from inside pgjdbc, reached by reflection once per connection:
 * its buffered input stream (to see whether a frame waits, and to wait for a first byte without
 * consuming it) and whether the socket is TLS. Kept apart so the one place that depends on pgjdbc's
 * private fields is small; every caller has a fallback (pgjdbc's own poll) when they cannot be reached.
 */
final class PgjdbcStreams {
    private PgjdbcStreams() {}

    /** Whether the connection is TLS: the socket's byte count is then of encrypted bytes (it may say 0 while a frame waits). */
    static boolean isTls(Connection connection) {
        try {
            Object executor = connection.unwrap(BaseConnection.class).getQueryExecutor();
            Field stream = QueryExecutorBase.class.getDeclaredField("pgStream");
            stream.setAccessible(true);
            return ((PGStream) stream.get(executor)).getSocket() instanceof javax.net.ssl.SSLSocket;
        } catch (ReflectiveOperationException | SQLException | RuntimeException e) {
            return true; // unknown: the careful answer
        }
    }

    /**
     * Whether changing the socket's read timeout costs nothing: the JDK's own socket keeps it in a
     * field; junixsocket's (a Unix-domain socket) sets it with system calls.
     */
    static boolean freeTimeouts(Connection connection) {
        try {
            Object executor = connection.unwrap(BaseConnection.class).getQueryExecutor();
            Field stream = QueryExecutorBase.class.getDeclaredField("pgStream");
            stream.setAccessible(true);
            Class<?> socket = ((PGStream) stream.get(executor)).getSocket().getClass();
            return socket == java.net.Socket.class || javax.net.ssl.SSLSocket.class.isAssignableFrom(socket);
        } catch (ReflectiveOperationException | SQLException | RuntimeException e) {
            return false; // unknown: look before changing it
        }
    }

    /** pgjdbc's buffered input stream of the connection; null when it cannot be reached (the poll then is pgjdbc's). */
    static VisibleBufferedInputStream bufferedInput(Connection connection) {
        try {
            Object executor = connection.unwrap(BaseConnection.class).getQueryExecutor();
            Field stream = QueryExecutorBase.class.getDeclaredField("pgStream");
            stream.setAccessible(true);
            PGStream pg = (PGStream) stream.get(executor);
            if (pg.isGssEncrypted()) {
                return null; // GSS wraps pgjdbc's streams: its own poll and read only
            }
            Field in = PGStream.class.getDeclaredField("pgInput");
            in.setAccessible(true);
            return (VisibleBufferedInputStream) in.get(pg);
        } catch (ReflectiveOperationException | SQLException | RuntimeException e) {
            return null;
        }
    }
}
