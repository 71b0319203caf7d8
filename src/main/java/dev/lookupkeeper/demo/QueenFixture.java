package dev.lookupkeeper.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Creates the queue's schema and some queues and partitions, for demo, bench and tests. */
public final class QueenFixture {
    private QueenFixture() {}

    public static void createSchema(Connection c) throws SQLException {
        try (InputStream in = QueenFixture.class.getClassLoader().getResourceAsStream("sql/queen/queen_schema.sql");
             Statement st = c.createStatement()) {
            st.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SQLException("cannot read sql/queen/queen_schema.sql", e);
        }
    }

    /** Creates queues named {@code prefix-0..n-1}, each with {@code partitions} partitions; returns all partition ids. */
    public static List<UUID> createQueues(Connection c, String prefix, int queues, int partitions) throws SQLException {
        List<UUID> ids = new ArrayList<>(queues * partitions);
        String sql = "WITH q AS (INSERT INTO queen.queues (name) VALUES (?) RETURNING id)"
                + " INSERT INTO queen.partitions (queue_id, name) SELECT q.id, 'p-' || g FROM q, generate_series(0, ? - 1) g RETURNING id";
        for (int i = 0; i < queues; i++) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, prefix + "-" + i);
                ps.setInt(2, partitions);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add((UUID) rs.getObject(1));
                    }
                }
            }
        }
        return ids;
    }
}
