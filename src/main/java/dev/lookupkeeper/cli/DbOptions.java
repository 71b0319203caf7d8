package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Connection and naming options shared by every command that talks to PostgreSQL. */
public class DbOptions {
    @Option(names = "--db-url", paramLabel = "URL",
            description = "postgresql://user@host:port/db or jdbc:postgresql://host:port/db (no password; default: PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE)")
    String dbUrl;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password (default: PGPASSWORD)")
    String passwordFile;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file of options (flags and LOOKUPKEEPER_* variables win over it)")
    Path config;

    @Option(names = "--queue-schema", paramLabel = "NAME", description = "Schema of the queue's tables (default: queen)")
    String queueSchema;

    @Option(names = "--schema", paramLabel = "NAME", description = "lookupkeeper's own schema (default: lookupkeeper)")
    String schema;

    @Option(names = "--publication", paramLabel = "NAME", description = "Publication on the messages table (default: lookupkeeper_messages)")
    String publication;

    @Option(names = "--slot", paramLabel = "NAME", description = "Logical replication slot (default: lookupkeeper)")
    String slot;

    @Option(names = "--connect-attempts", paramLabel = "N", description = "Attempts to reach PostgreSQL before exit 3 (default: 5)")
    Integer connectAttempts;

    /** Values a command sets on top of the flags (e.g. a command-specific option). */
    final Map<String, String> extra = new HashMap<>();

    protected Map<String, String> flags() {
        Map<String, String> m = new HashMap<>(extra);
        put(m, "db-url", dbUrl);
        put(m, "password-file", passwordFile);
        put(m, "queue-schema", queueSchema);
        put(m, "schema", schema);
        put(m, "publication", publication);
        put(m, "slot", slot);
        put(m, "connect-attempts", connectAttempts);
        return m;
    }

    static void put(Map<String, String> m, String key, Object value) {
        if (value != null) {
            m.put(key, value.toString());
        }
    }

    public Settings settings() {
        return SettingsLoader.fromSystem().load(config, flags());
    }
}
