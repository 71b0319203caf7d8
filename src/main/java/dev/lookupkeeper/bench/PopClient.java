package dev.lookupkeeper.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * One popping client of the contended suite, on a session of its own: the 0.6.9 server's pop in
 * its queue mode. Picks candidates from the lookup, leases the first one free, reads what is past
 * its cursor, and acknowledges it; a leased partition with nothing to read has its lease let go.
 */
final class PopClient implements AutoCloseable {
    /**
     * The 0.6.9 server's pop, statement by statement (its queue mode, no window buffer): up to 100
     * candidate partitions from the lookup, least recently consumed first; the lease taken by queue
     * and partition name, trying candidates until one is free; the messages after the cursor; one
     * acknowledgement of the batch that moves the cursor and lets the lease go.
     */
    private static final String SELECT = "SELECT p.id, p.name FROM queen.partition_lookup pl"
            + " JOIN queen.partitions p ON p.id = pl.partition_id"
            + " LEFT JOIN queen.partition_consumers pc ON pc.partition_id = pl.partition_id AND pc.consumer_group = ?"
            + " WHERE pl.queue_name = ? AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= now())"
            + " AND (pc.last_consumed_created_at IS NULL OR pl.last_message_created_at > pc.last_consumed_created_at"
            + "      OR (pl.last_message_created_at = pc.last_consumed_created_at AND pl.last_message_id > pc.last_consumed_id))"
            + " ORDER BY pc.last_consumed_at ASC NULLS FIRST, pl.last_message_created_at DESC LIMIT 100";
    private static final String LEASE = "INSERT INTO queen.partition_consumers (partition_id, consumer_group, lease_expires_at, lease_acquired_at, worker_id)"
            + " SELECT p.id, ?, now() + interval '1 second' * ?, now(), ?"
            + " FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id WHERE q.name = ? AND p.name = ?"
            + " ON CONFLICT (partition_id, consumer_group) DO UPDATE SET lease_expires_at = now() + interval '1 second' * ?,"
            + " lease_acquired_at = now(), worker_id = EXCLUDED.worker_id"
            + " WHERE partition_consumers.lease_expires_at IS NULL OR partition_consumers.lease_expires_at <= now()"
            + " RETURNING last_consumed_created_at, last_consumed_id";
    /** A leased partition with nothing to read: the lease let go, the cursor and its time left as they were. */
    private static final String RELEASE = "UPDATE queen.partition_consumers SET lease_expires_at = NULL, lease_acquired_at = NULL, worker_id = NULL"
            + " WHERE partition_id = ? AND consumer_group = ?";
    private static final String CONSUMER_GROUP = "__QUEUE_MODE__";
    private static final int LEASE_SECONDS = 30;
    private static final String READ = "SELECT id, created_at FROM queen.messages WHERE partition_id = ?"
            + " AND (created_at, id) > (coalesce(?::timestamptz, '-infinity'), ?::uuid) ORDER BY created_at, id LIMIT 100";
    private static final String ACK = "UPDATE queen.partition_consumers SET last_consumed_id = ?, last_consumed_created_at = ?,"
            + " last_consumed_at = now(), lease_expires_at = NULL, total_messages_consumed = total_messages_consumed + ?"
            + " WHERE partition_id = ? AND consumer_group = ?";
    private final PreparedStatement select;
    private final PreparedStatement lease;
    private final PreparedStatement read;
    private final PreparedStatement ack;
    private final PreparedStatement release;

    /** @param worker the lease's worker id */
    PopClient(Connection c, String queue, String worker) throws SQLException {
        select = c.prepareStatement(SELECT);
        lease = c.prepareStatement(LEASE);
        read = c.prepareStatement(READ);
        ack = c.prepareStatement(ACK);
        release = c.prepareStatement(RELEASE);
        select.setString(1, CONSUMER_GROUP);
        select.setString(2, queue);
        lease.setString(1, CONSUMER_GROUP);
        lease.setInt(2, LEASE_SECONDS);
        lease.setString(3, worker);
        lease.setString(4, queue);
        lease.setInt(6, LEASE_SECONDS);
        ack.setString(5, CONSUMER_GROUP);
        release.setString(2, CONSUMER_GROUP);
    }

    /**
     * One pop: the candidates, then each in turn until one yields messages (or {@code running} says
     * stop). @return the messages popped and acknowledged, 0 when none
     */
    int popOnce(BooleanSupplier running) throws SQLException {
        List<Object[]> candidates = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                candidates.add(new Object[] {rs.getObject(1), rs.getString(2)});
            }
        }
        for (int i = 0; i < candidates.size() && running.getAsBoolean(); i++) {
            int popped = popOne((UUID) candidates.get(i)[0], (String) candidates.get(i)[1]);
            if (popped > 0) {
                return popped;
            }
        }
        return 0;
    }

    /**
     * Leases one candidate, reads its messages after the cursor and acknowledges them; 0 when
     * another pop holds it, or when it had nothing to read (its lease let go, as the server does).
     */
    private int popOne(UUID partition, String name) throws SQLException {
        lease.setString(5, name);
        Object afterAt;
        UUID afterId;
        try (ResultSet rs = lease.executeQuery()) {
            if (!rs.next()) {
                return 0;
            }
            afterAt = rs.getObject(1);
            afterId = (UUID) rs.getObject(2);
        }
        read.setObject(1, partition);
        read.setObject(2, afterAt);
        read.setObject(3, afterId);
        UUID lastId = afterId;
        Object lastAt = afterAt;
        int n = 0;
        try (ResultSet rs = read.executeQuery()) {
            while (rs.next()) {
                lastId = (UUID) rs.getObject(1);
                lastAt = rs.getObject(2);
                n++;
            }
        }
        if (n == 0) {
            release.setObject(1, partition);
            release.executeUpdate();
            return 0;
        }
        ack.setObject(1, lastId);
        ack.setObject(2, lastAt);
        ack.setInt(3, n);
        ack.setObject(4, partition);
        ack.executeUpdate();
        return n;
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement ps : List.of(select, lease, read, ack, release)) {
            ps.close();
        }
    }
}
