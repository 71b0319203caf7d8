package dev.lookupkeeper.pipeline.checkpoint;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Debezium instantiates its offset store by class name and hands it only string properties. The
 * store therefore finds its connection pool here by a key, which keeps the database password out
 * of the engine's configuration (and out of anything that logs it).
 */
public final class OffsetStoreRegistry {
    /**
     * @param stream the offsets' owner: one row set per stream in the offsets table
     * @param storeCheckpointSql moves the stream's checkpoint to the offsets' position (LSN text, stream)
     */
    public record Target(DataSource dataSource, String offsetsTableSql, String stream, String storeCheckpointSql) {}

    private static final Map<String, Target> TARGETS = new ConcurrentHashMap<>();

    private OffsetStoreRegistry() {}

    public static void register(String key, Target target) {
        TARGETS.put(key, target);
    }

    public static void unregister(String key) {
        TARGETS.remove(key);
    }

    static Target lookup(String key) {
        Target t = TARGETS.get(key);
        if (t == null) {
            throw new IllegalStateException("no offset store target registered under '" + key + "'");
        }
        return t;
    }
}
