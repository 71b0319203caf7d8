package dev.lookupkeeper.pipeline.checkpoint;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
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
     * @param settings where lookupkeeper's schema (the offsets table, the stream's checkpoint) is
     * @param stream the offsets' owner: one row set per stream in the offsets table
     */
    public record Target(DataSource dataSource, Settings settings, String stream) {
        String offsetsTableSql() {
            return Identifiers.quote(settings.schema()) + ".source_offsets";
        }
    }

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
