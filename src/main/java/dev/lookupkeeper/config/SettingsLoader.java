package dev.lookupkeeper.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link Settings} from, lowest precedence first: built-in defaults, a YAML file, the
 * environment ({@code PG*} for the connection as libpq reads them, {@code LOOKUPKEEPER_*} for the
 * rest) and command-line flags. The password comes only from PGPASSWORD or a password file, never
 * from a flag or URL, so it cannot show up in the process list.
 */
public final class SettingsLoader {
    static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("queue-schema", "queen"),
            Map.entry("schema", "lookupkeeper"),
            Map.entry("publication", "lookupkeeper_messages"),
            Map.entry("slot", "lookupkeeper"),
            Map.entry("max-batch-size", "8192"),
            Map.entry("poll-interval-ms", "10"),
            Map.entry("backfill-chunk", "1000"),
            Map.entry("connect-attempts", "5"),
            Map.entry("consistency", "eventual"),
            Map.entry("application-name", ""),
            Map.entry("drop-queue-trigger", "false"),
            Map.entry("strict-failover", "10s"),
            Map.entry("strict-sink-commit", "auto"),
            Map.entry("failover-slot", "false"));
    private static final Set<String> FILE_ONLY = Set.of("db-url", "password-file");
    /** Keys of the commands' own options, which a config file may hold too (the command reads them). */
    private static volatile Set<String> commandKeys = Set.of();

    private final Map<String, String> env;

    public SettingsLoader(Map<String, String> env) {
        this.env = env;
    }

    public static SettingsLoader fromSystem() {
        return new SettingsLoader(System.getenv());
    }

    /**
     * @param configFile optional YAML file
     * @param flags values given on the command line (absent keys mean "not given")
     */
    public Settings load(Path configFile, Map<String, String> flags) {
        Map<String, String> merged = new HashMap<>(DEFAULTS);
        if (configFile != null) {
            merged.putAll(readYaml(configFile));
        }
        for (String key : keys()) {
            String v = env.get("LOOKUPKEEPER_" + key.toUpperCase().replace('-', '_'));
            if (v != null && !v.isBlank()) {
                merged.put(key, v.trim());
            }
        }
        flags.forEach((k, v) -> {
            if (v != null) {
                merged.put(k, v);
            }
        });
        ConnectionSettings connection = connection(merged.get("db-url"), merged.get("password-file"));
        return new Settings(
                connection,
                merged.get("queue-schema"),
                merged.get("schema"),
                merged.get("publication"),
                merged.get("slot"),
                intValue(merged, "max-batch-size"),
                Durations.parse("--poll-interval-ms", merged.get("poll-interval-ms"), java.time.temporal.ChronoUnit.MILLIS),
                intValue(merged, "backfill-chunk"),
                intValue(merged, "connect-attempts"),
                consistency(merged),
                bool(merged, "failover-slot"));
    }

    private static ConsistencySettings consistency(Map<String, String> m) {
        Identifiers.validate("--slot", m.get("slot")); // the default application name: named as itself when wrong
        String app = m.get("application-name");
        String drop = m.get("drop-queue-trigger").trim().toLowerCase(java.util.Locale.ROOT);
        if (!drop.equals("true") && !drop.equals("false")) {
            throw new ConfigException("--drop-queue-trigger must be true or false, not '" + m.get("drop-queue-trigger") + "'");
        }
        ConsistencySettings.SinkCommit sinkCommit = ConsistencySettings.SinkCommit.parse("--strict-sink-commit", m.get("strict-sink-commit"));
        return new ConsistencySettings(Consistency.parse("--consistency", m.get("consistency")),
                app == null || app.isBlank() ? m.get("slot") : app.trim(), drop.equals("true"),
                Durations.parse("--strict-failover", m.get("strict-failover")), sinkCommit);
    }

    /**
     * The long option names of every command: a config file may hold them, each command takes those
     * it has (one file can serve run and status alike); a key of no command is refused.
     */
    public static void acceptKeys(Set<String> keys) {
        commandKeys = Set.copyOf(keys);
    }

    /** The keys this loader reads itself (connection, names, tuning, consistency). */
    public static Set<String> settingsKeys() {
        Set<String> all = new java.util.TreeSet<>(DEFAULTS.keySet());
        all.addAll(FILE_ONLY);
        return all;
    }

    private static Iterable<String> keys() {
        Set<String> all = new java.util.TreeSet<>(DEFAULTS.keySet());
        all.addAll(FILE_ONLY);
        return all;
    }

    private static boolean bool(Map<String, String> m, String key) {
        String v = m.get(key).trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigException("--" + key + " must be true or false, not '" + m.get(key) + "'");
        }
        return v.equals("true");
    }

    private static int intValue(Map<String, String> m, String key) {
        String v = m.get(key);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + key + " must be a whole number, not '" + v + "'");
        }
    }

    private static Map<String, String> readYaml(Path file) {
        if (!Files.isReadable(file)) {
            throw new ConfigException("config file " + file + " does not exist or is not readable");
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + firstLine(e.getMessage()));
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (root == null || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + file + " must be a YAML mapping of option: value");
        }
        Set<String> known = new java.util.HashSet<>(DEFAULTS.keySet());
        known.addAll(FILE_ONLY);
        known.addAll(commandKeys);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("password")) {
                throw new ConfigException("config file " + file + " must not hold a password: use PGPASSWORD or password-file");
            }
            if (!known.contains(e.getKey())) {
                throw new ConfigException("config file " + file + ": unknown option '" + e.getKey() + "'; known: " + new java.util.TreeSet<>(known));
            }
            if (DEFAULTS.containsKey(e.getKey()) || FILE_ONLY.contains(e.getKey())) {
                out.put(e.getKey(), e.getValue().asText());
            }
        }
        return out;
    }

    /** libpq environment first, then the URL on top of it; the URL never carries a password. */
    ConnectionSettings connection(String dbUrl, String passwordFile) {
        String host = orDefault(env.get("PGHOST"), "localhost");
        String port = orDefault(env.get("PGPORT"), "5432");
        String user = orDefault(env.get("PGUSER"), orDefault(System.getProperty("user.name"), "postgres"));
        String database = env.get("PGDATABASE");
        String sslMode = orDefault(env.get("PGSSLMODE"), "prefer");
        String target = null;
        if (dbUrl != null && !dbUrl.isBlank()) {
            Map<String, String> u = DbUrl.parse(dbUrl.trim());
            host = u.getOrDefault("host", host);
            port = u.getOrDefault("port", port);
            user = u.getOrDefault("user", user);
            database = u.getOrDefault("dbname", database);
            sslMode = u.getOrDefault("sslmode", sslMode);
            target = u.get("targetServerType");
        }
        // several servers (a primary and its standbys), as libpq takes them: PGHOST=a,b PGPORT=5432,5433
        // (one port for all, or one each), or --db-url postgresql://a:5432,b:5433/db
        String[] hosts = host.split(",", -1);
        String[] ports = port.split(",", -1);
        if (ports.length != 1 && ports.length != hosts.length) {
            throw new ConfigException("PGPORT names " + ports.length + " ports for " + hosts.length + " hosts: give one port, or one per host");
        }
        java.util.List<String> others = new java.util.ArrayList<>();
        for (int i = 1; i < hosts.length; i++) {
            String h = hosts[i].trim();
            String p = ports[ports.length == 1 ? 0 : i].trim();
            if (h.isEmpty()) {
                throw new ConfigException("an empty host in '" + host + "' (PGHOST or --db-url)");
            }
            if (h.startsWith("/")) {
                throw new ConfigException("PGHOST '" + h + "' is a Unix socket directory: name it alone, not with other hosts");
            }
            checkPort(p);
            others.add((h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h) + ":" + p);
        }
        host = hosts[0].trim();
        port = ports[0].trim();
        if (database == null || database.isBlank()) {
            database = user;
        }
        int portNumber;
        try {
            portNumber = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new ConfigException("PostgreSQL port '" + port + "' is not a number (PGPORT or --db-url)");
        }
        Set<String> modes = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
        if (!modes.contains(sslMode)) {
            throw new ConfigException("sslmode '" + sslMode + "' is not one of " + new java.util.TreeSet<>(modes) + " (PGSSLMODE or --db-url)");
        }
        String password = env.get("PGPASSWORD");
        if (passwordFile != null && !passwordFile.isBlank()) {
            password = readPasswordFile(Path.of(passwordFile));
        }
        return new ConnectionSettings(host, portNumber, database, user, password, sslMode, others, target);
    }

    private static int checkPort(String port) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new ConfigException("PostgreSQL port '" + port + "' is not a number (PGPORT or --db-url)");
        }
    }

    private static String readPasswordFile(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            return s.strip();
        } catch (IOException e) {
            throw new ConfigException("password file " + file + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    private static String orDefault(String v, String d) {
        return v == null || v.isBlank() ? d : v;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
