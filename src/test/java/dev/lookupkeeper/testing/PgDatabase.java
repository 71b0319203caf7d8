package dev.lookupkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh database per test class on the run's shared cluster, with the queue's schema loaded,
 * plus the oracle: the lookup computed straight from queen.messages.
 */
public final class PgDatabase implements BeforeAllCallback, AfterAllCallback {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** A lookup row's content: what the oracle and the table are compared on. */
    public record Pos(String queue, UUID messageId, OffsetDateTime createdAt) {}

    private final boolean loadQueenSchema;
    private final boolean ownCluster;
    /** Starts the cluster of its own (when {@link #ownCluster}). */
    private final java.util.function.Supplier<PgCluster> startCluster;
    private PgCluster cluster;
    private String name;
    private ConnectionSettings connection;

    public PgDatabase() {
        this(true);
    }

    public PgDatabase(boolean loadQueenSchema) {
        this(loadQueenSchema, false);
    }

    private PgDatabase(boolean loadQueenSchema, boolean ownCluster) {
        this(loadQueenSchema, ownCluster, () -> Clusters.start(Clusters.logicalSettings()));
    }

    private PgDatabase(boolean loadQueenSchema, boolean ownCluster, java.util.function.Supplier<PgCluster> startCluster) {
        this.loadQueenSchema = loadQueenSchema;
        this.ownCluster = ownCluster;
        this.startCluster = startCluster;
    }

    /** A database on a PostgreSQL cluster of its own, which the tests may restart; closed after the class. */
    public static PgDatabase onOwnCluster() {
        return new PgDatabase(true, true);
    }

    /** A database on a PostgreSQL 14 cluster of its own ({@link Postgres14}); closed after the class. */
    public static PgDatabase onPostgres14() {
        return new PgDatabase(true, true, () -> Postgres14.start(Clusters.logicalSettings()));
    }

    /** The cluster this database lives on. */
    public PgCluster cluster() {
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster = ownCluster ? startCluster.get() : Clusters.shared();
        name = "t_" + context.getRequiredTestClass().getSimpleName().toLowerCase().replaceAll("[^a-z0-9]", "") + "_" + COUNTER.incrementAndGet();
        try (Connection c = Database.connect(cluster.admin(), "tests"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        connection = cluster.admin().withDatabase(name);
        if (loadQueenSchema) {
            try (Connection c = connect()) {
                QueenFixture.createSchema(c);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (ownCluster) {
            cluster.close();
            return;
        }
        try (Connection c = Database.connect(Clusters.shared().admin(), "tests"); Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '" + name + "' AND active");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE database = '" + name + "' AND active")) {
                    rs.next();
                    return rs.getInt(1) == 0;
                }
            });
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + name + "'");
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    public String name() {
        return name;
    }

    public ConnectionSettings connection() {
        return connection;
    }

    /** Settings for this database; the slot is named after it, since slots are cluster-wide. */
    public Settings settings() {
        return new SettingsLoader(Map.of()).load(null, Map.of("slot", name)).withConnection(connection);
    }

    public Connection connect() throws SQLException {
        return Database.connect(connection, "tests");
    }

    /**
     * A session as the queue's server opens one: none of lookupkeeper's session settings, so it
     * commits at whatever synchronous_commit the database and role give it.
     */
    public Connection queueClient() throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", connection.user());
        p.setProperty("password", connection.password());
        p.setProperty("ApplicationName", "queue-client");
        return java.sql.DriverManager.getConnection(connection.jdbcUrl(), p);
    }

    /** libpq environment for a child process pointed at this database. */
    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGHOST", connection.host());
        env.put("PGPORT", Integer.toString(connection.port()));
        env.put("PGDATABASE", name);
        env.put("PGUSER", connection.user());
        env.put("PGPASSWORD", connection.password());
        env.put("PGSSLMODE", "disable");
        env.put("LOOKUPKEEPER_SLOT", name);
        env.put("LOOKUPKEEPER_HTTP_PORT", "0"); // tests run several sidecars at once; HTTP tests pick a free port
        return env;
    }

    /**
     * The environment of a sidecar reading the slot with this source: pgoutput (the default) on
     * the slot named after the database, debezium on a slot of its own, so both sources can run
     * one after the other in one test class.
     */
    public Map<String, String> env(String source) {
        Map<String, String> env = env();
        env.put("LOOKUPKEEPER_SOURCE", source);
        env.put("LOOKUPKEEPER_SLOT", slot(source));
        return env;
    }

    /**
     * The server's first Unix-socket directory when its socket is reachable from here (libpq's PGHOST
     * for a sidecar on the database's host), else null: none configured, an abstract one, or the
     * server in a container.
     */
    public String socketDirectory() throws SQLException {
        String dir = queryText("SELECT split_part(current_setting('unix_socket_directories'), ',', 1)").trim();
        return dir.startsWith("/") && java.nio.file.Files.exists(java.nio.file.Path.of(dir, ".s.PGSQL." + connection.port())) ? dir : null;
    }

    /** The slot a sidecar with this source streams from (see {@link #env(String)}). */
    public String slot(String source) {
        return "pgoutput".equals(source) ? name : name + "_" + source;
    }

    public List<UUID> createQueues(String prefix, int queues, int partitions) throws SQLException {
        try (Connection c = connect()) {
            return QueenFixture.createQueues(c, prefix, queues, partitions);
        }
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** synchronous_standby_names is the whole cluster's: strict tests put it back after each test. */
    public void resetSynchronousStandbys() throws SQLException {
        execute("ALTER SYSTEM RESET synchronous_standby_names");
        execute("SELECT pg_reload_conf()");
    }

    /** Pushes made one by one, each looked up in the lookup the moment its COMMIT returned. */
    public record StrictPushes(java.util.Map<UUID, UUID> pushed, int misses) {}

    /**
     * One one-message push per partition through {@code client} (a session of the queue's, at the
     * commit level it was given), each followed at once by a look at its partition's lookup row from
     * another session: a miss is a push not there when its COMMIT returned.
     */
    public StrictPushes pushEachAndLook(Connection client, List<UUID> partitions, String prefix) throws SQLException {
        java.util.Map<UUID, UUID> pushed = new java.util.LinkedHashMap<>();
        int misses = 0;
        try (Connection other = connect();
             java.sql.PreparedStatement push = client.prepareStatement("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                     + " VALUES (?, ?, '{}') RETURNING id");
             java.sql.PreparedStatement look = other.prepareStatement("SELECT last_message_id FROM queen.partition_lookup WHERE partition_id = ?")) {
            for (UUID partition : partitions) {
                push.setString(1, prefix + "-" + partition);
                push.setObject(2, partition);
                UUID id;
                try (ResultSet rs = push.executeQuery()) {
                    rs.next();
                    id = (UUID) rs.getObject(1);
                }
                pushed.put(partition, id);
                look.setObject(1, partition);
                try (ResultSet rs = look.executeQuery()) {
                    if (!rs.next() || !id.equals(rs.getObject(1))) {
                        misses++;
                    }
                }
            }
        }
        return new StrictPushes(pushed, misses);
    }

    public long queryLong(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** One transaction of {@code messages} messages into an existing partition (a session at synchronous_commit = local). */
    public void push(UUID partition, int messages) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'push-' || gen_random_uuid(), ?, '{}'"
                        + " FROM generate_series(1, ?)")) {
            ps.setObject(1, partition);
            ps.setInt(2, messages);
            ps.executeUpdate();
        }
    }

    /**
     * One message pushed on a session of the caller's (a queue client's: it commits at the level the
     * database and role give it); its id. Unchecked, for pushes run on another thread.
     */
    public static UUID pushOne(Connection c, UUID partition, String transactionId) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                + " VALUES (?, ?, '{}') RETURNING id")) {
            ps.setString(1, transactionId);
            ps.setObject(2, partition);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return (UUID) rs.getObject(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public String queryText(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The truth: newest (created_at, id) per existing partition, from queen.messages. */
    public Map<UUID, Pos> oracle() throws SQLException {
        return positions("SELECT DISTINCT ON (m.partition_id) m.partition_id, q.name, m.id, m.created_at"
                + " FROM queen.messages m JOIN queen.partitions p ON p.id = m.partition_id JOIN queen.queues q ON q.id = p.queue_id"
                + " ORDER BY m.partition_id, m.created_at DESC, m.id DESC");
    }

    public Map<UUID, Pos> lookup() throws SQLException {
        return positions("SELECT partition_id, queue_name, last_message_id, last_message_created_at FROM queen.partition_lookup");
    }

    private Map<UUID, Pos> positions(String sql) throws SQLException {
        Map<UUID, Pos> out = new HashMap<>();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put((UUID) rs.getObject(1), new Pos(rs.getString(2), (UUID) rs.getObject(3), rs.getObject(4, OffsetDateTime.class)));
            }
        }
        return out;
    }

    /** Waits (bounded) until the lookup equals the oracle, then asserts it, showing the difference if not. */
    public void awaitLookupEqualsOracle(Duration atMost) throws SQLException {
        try {
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> lookup().equals(oracle()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // fall through to the assertion, which reports the difference
        }
        assertLookupEqualsOracle();
    }

    /** Asserts now, without waiting: for trigger mode, which is synchronous. */
    public void assertLookupEqualsOracle() throws SQLException {
        Map<UUID, Pos> truth = oracle();
        assertThat(truth).as("the oracle has rows").isNotEmpty();
        assertThat(lookup()).as("partition_lookup equals the truth from queen.messages").isEqualTo(truth);
    }

    /** Terminates the slot's walsender and drops the slot, again if a sidecar reconnected in between. */
    public void dropSlotFromOutside() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
            execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + name + "' AND active");
            execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + name + "'");
            return queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'") == 0;
        });
    }
}
