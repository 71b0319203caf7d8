package dev.lookupkeeper.pipeline.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debezium's source offsets, kept in lookupkeeper's schema instead of a local file, so the
 * sidecar is stateless and a replacement pod resumes where the last one committed. The engine
 * writes offsets only after the sink's transaction committed (see DebeziumSource), so a stored
 * offset never runs ahead of the lookup table.
 */
public class DatabaseOffsetStore extends MemoryOffsetBackingStore {
    /** Engine property naming the {@link OffsetStoreRegistry} entry to use. */
    public static final String REGISTRY_KEY = "lookupkeeper.offsets.registry.key";

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseOffsetStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private OffsetStoreRegistry.Target target;
    private long checkpointStored;

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Object key = config.originals().get(REGISTRY_KEY);
        if (key == null) {
            throw new ConnectException(REGISTRY_KEY + " is not set");
        }
        target = OffsetStoreRegistry.lookup(key.toString());
    }

    @Override
    public synchronized void start() {
        super.start();
        String sql = "SELECT offset_key, offset_value FROM " + target.offsetsTableSql() + " WHERE stream = ?";
        Map<ByteBuffer, ByteBuffer> loaded = new HashMap<>();
        try (Connection c = target.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, target.stream());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byte[] v = rs.getBytes(2);
                    loaded.put(ByteBuffer.wrap(rs.getBytes(1)), v == null ? null : ByteBuffer.wrap(v));
                }
            }
        } catch (SQLException e) {
            throw new ConnectException("cannot read source offsets from " + target.offsetsTableSql() + ": " + e.getMessage(), e);
        }
        data.putAll(loaded);
    }

    @Override
    protected void save() {
        String sql = "INSERT INTO " + target.offsetsTableSql() + " (stream, offset_key, offset_value, updated_at) VALUES (?, ?, ?, now())"
                + " ON CONFLICT (stream, offset_key) DO UPDATE SET offset_value = EXCLUDED.offset_value, updated_at = now()";
        try (Connection c = target.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (Map.Entry<ByteBuffer, ByteBuffer> e : data.entrySet()) {
                    ps.setString(1, target.stream());
                    ps.setBytes(2, bytes(e.getKey()));
                    ps.setBytes(3, e.getValue() == null ? null : bytes(e.getValue()));
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new ConnectException("cannot store source offsets: " + e.getMessage(), e);
        }
        storeCheckpoint();
    }

    /**
     * The stream's checkpoint follows the offsets once they are stored: Debezium confirms to the
     * server what its offsets say, so a checkpoint left behind would make the next start find the
     * slot confirmed past it and bootstrap again. Never at the engine's expense: its own short
     * transaction under a 50 ms lock_timeout (a switch or a bootstrap may hold the stream's row),
     * skipped on any failure — the worst case is the re-bootstrap it avoids — and only when the
     * position moved.
     */
    private void storeCheckpoint() {
        long lsn = 0;
        for (ByteBuffer v : data.values()) {
            long l = offsetLsn(v);
            lsn = Long.compareUnsigned(l, lsn) > 0 ? l : lsn; // LSNs are unsigned
        }
        if (lsn == 0 || lsn == checkpointStored) {
            return;
        }
        try (Connection c = target.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '50ms'");
                Checkpointer.followOffsets(c, target.settings(), target.stream(), lsn);
                c.commit();
                checkpointStored = lsn;
            } catch (SQLException e) {
                c.rollback();
                LOG.debug("checkpoint not moved to the offsets' position this time: {}", e.getMessage());
            }
        } catch (SQLException e) {
            LOG.debug("checkpoint not moved to the offsets' position this time: {}", e.getMessage());
        }
    }

    /** The furthest LSN an offset value (Debezium's JSON: lsn, lsn_proc, lsn_commit) names, 0 if none. */
    static long offsetLsn(ByteBuffer value) {
        if (value == null) {
            return 0;
        }
        try {
            JsonNode n = JSON.readTree(bytes(value));
            long lsn = 0;
            for (String key : new String[] {"lsn", "lsn_proc", "lsn_commit"}) {
                if (n.path(key).canConvertToLong()) {
                    lsn = Math.max(lsn, n.path(key).asLong());
                }
            }
            return lsn;
        } catch (java.io.IOException e) {
            return 0; // not Debezium's JSON: the checkpoint stays where it is
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        // Only used by Kafka Connect's REST offsets API, which the embedded engine does not serve.
        return Set.of();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
