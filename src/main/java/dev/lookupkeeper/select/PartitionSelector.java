package dev.lookupkeeper.select;

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

/** The queue's round-robin partition selection, answered from the maintained lookup table. */
public final class PartitionSelector {
    public static final String DEFAULT_GROUP = "__QUEUE_MODE__";
    public static final int DEFAULT_LIMIT = 100;

    /** A partition that has messages newer than the group's cursor and no live lease. */
    public record Candidate(UUID id, String name) {}

    private final DataSource dataSource;
    private final String query;

    public PartitionSelector(DataSource dataSource, Settings settings) {
        this.dataSource = dataSource;
        this.query = SqlTemplates.of(settings).get("select/candidates.sql");
    }

    public List<Candidate> candidates(String queue, String consumerGroup, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, consumerGroup == null ? DEFAULT_GROUP : consumerGroup);
            ps.setString(2, queue);
            ps.setInt(3, limit);
            List<Candidate> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Candidate((UUID) rs.getObject(1), rs.getString(2)));
                }
            }
            return out;
        }
    }
}
