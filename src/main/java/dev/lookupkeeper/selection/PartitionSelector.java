package dev.lookupkeeper.selection;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The queue's round-robin partition selection, answered from the maintained lookup table: for a
 * queue and a consumer group, partitions whose lease is free or expired and that hold a message
 * newer than the group's cursor (by the (created_at, id) tuple), ordered by last_consumed_at ASC
 * NULLS FIRST, last_message_created_at DESC, honouring the queue's window_buffer.
 */
public final class PartitionSelector implements CandidateSource {
    public static final String DEFAULT_GROUP = "__QUEUE_MODE__";
    public static final int DEFAULT_LIMIT = 100;
    /** The most candidates one HTTP request may ask for (the CLI has no cap: `select --all`). */
    public static final int MAX_LIMIT = 10_000;

    /** A partition that has messages newer than the group's cursor and no live lease. */
    public record Candidate(UUID id, String name) {}

    private final DataSource dataSource;
    private final String query;

    public PartitionSelector(DataSource dataSource, Settings settings) {
        this.dataSource = dataSource;
        this.query = SqlTemplates.of(settings).get("select/candidates.sql");
    }

    /** Checks the arguments the way every entry point (API, CLI, HTTP) needs them checked. */
    public static void validate(String queue, String consumerGroup, int limit) {
        if (queue == null || queue.isEmpty() || queue.length() > 255) {
            throw new IllegalArgumentException("queue must be 1 to 255 characters");
        }
        if (consumerGroup != null && (consumerGroup.isEmpty() || consumerGroup.length() > 255)) {
            throw new IllegalArgumentException("group must be 1 to 255 characters");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be a positive number, not " + limit);
        }
    }

    /** @param consumerGroup null for the queue mode's default group */
    @Override
    public List<Candidate> candidates(String queue, String consumerGroup, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return candidates(c, queue, consumerGroup, limit);
        }
    }

    /** The same on a connection the caller owns. */
    public List<Candidate> candidates(Connection c, String queue, String consumerGroup, int limit) throws SQLException {
        validate(queue, consumerGroup, limit);
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, consumerGroup == null ? DEFAULT_GROUP : consumerGroup);
            ps.setString(2, queue);
            ps.setInt(3, limit);
            List<Candidate> out = new ArrayList<>(Math.min(limit, 256));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Candidate((UUID) rs.getObject(1), rs.getString(2)));
                }
            }
            return out;
        }
    }
}
