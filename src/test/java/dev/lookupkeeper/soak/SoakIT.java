package dev.lookupkeeper.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lookupkeeper.testing.DebeziumFeeder;
import dev.lookupkeeper.testing.KafkaBroker;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.RetryingPusher;
import dev.lookupkeeper.testing.Sidecar;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;

/**
 * The soak: N SIGKILLs of the sidecar at random moments (starting, bootstrapping, streaming,
 * switching), PostgreSQL restarts (fast and immediate, taking turns) and switches both ways,
 * under pushes that each create a partition no other push touches (a sequence picks its name) and
 * put 1 to 20 messages in it — multi-row INSERTs and COPY, taking turns. One lost transaction is a
 * partition with messages and no lookup row. Outside the default run:
 *
 * <pre>mvn -B verify -Psoak -Dsoak.source=pgoutput -Dsoak.kills=200 -Dsoak.restarts=20</pre>
 *
 * With {@code -Dsoak.consistency=strict} (native reader) the sidecar runs strict, the pushes commit
 * at remote_apply as `install --consistency strict` sets them, and there are no switches (strict is
 * CDC's): sidecars live 2.5–6 s, long enough for strict to take effect; every killed sidecar's
 * guard child fails open after 2 s, the next sidecar restores strict.
 *
 * The result is appended to build/soak/results.md.
 */
class SoakIT {
    @RegisterExtension
    static final PgDatabase db = PgDatabase.onOwnCluster();

    private final String source = System.getProperty("soak.source", "pgoutput");
    private final int kills = Integer.getInteger("soak.kills", 20);
    private final int restarts = Integer.getInteger("soak.restarts", 2);
    private final boolean strict = "strict".equals(System.getProperty("soak.consistency", "eventual"));
    private final int switches = strict ? 0 : Integer.getInteger("soak.switches", Math.max(1, kills / 50));
    private final long seed = Long.getLong("soak.seed", System.nanoTime());
    /** unix: the sidecar connects through the server's Unix-socket directory (PGHOST), the writers stay on TCP. */
    private final boolean viaSocket = "unix".equals(System.getProperty("soak.socket", "tcp"));

    @Test
    void nothingIsLost() throws Exception {
        assumeTrue(db.cluster().canRestart(), "the soak restarts PostgreSQL: it needs a cluster of local binaries");
        db.createQueues("soak", 1, 1);
        db.execute("CREATE SEQUENCE IF NOT EXISTS soak_partition_seq");
        Random random = new Random(seed);
        Map<String, String> env = sidecarEnv();
        String[] run = runArgs();
        Instant started = Instant.now();
        Path offsets = Files.createTempFile("soak-feeder-", ".offsets");
        DebeziumFeeder feeder = null;
        if ("kafka".equals(source)) {
            // the connector needs the publication, and its slot before the first push (it streams, no snapshot)
            assertThat(Sidecar.run(env, "install").exitCode()).isZero();
            feeder = new DebeziumFeeder(db, topic(), true, offsets);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                    db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + db.name() + "_feed' AND active") == 1);
        }
        if (strict) {
            Sidecar.Result install = Sidecar.run(env, "install", "--consistency", "strict");
            assertThat(install.exitCode()).as(install.output()).isZero();
            assertThat(install.output()).contains("SET synchronous_commit = remote_apply");
            try (java.sql.Connection c = db.queueClient(); java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
                rs.next();
                assertThat(rs.getString(1)).as("a queue client's commit level").isEqualTo("remote_apply");
            }
        }
        List<RetryingPusher> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            // strict: the pushes connect as the queue's server does and commit at the remote_apply install set
            writers.add(new RetryingPusher(db.connection(), SoakIT::newPartitionWithMessages, seed + w, 2, strict));
        }
        int restartEvery = restarts == 0 ? Integer.MAX_VALUE : Math.max(1, kills / restarts);
        int switchEvery = switches == 0 ? Integer.MAX_VALUE : Math.max(1, kills / switches);
        int restartsDone = 0;
        int switchesDone = 0;
        int killsDone = 0;
        Path logs = Path.of("build", "soak", source + "-events.log");
        Files.createDirectories(logs.getParent());
        Files.deleteIfExists(logs);
        try {
            Sidecar sidecar = Sidecar.start(env, run);
            if (viaSocket) {
                sidecar.awaitStreaming();
                assertThat(db.queryLong("SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
                        + " WHERE s.slot_name = '" + db.slot(source) + "' AND r.client_addr IS NULL"))
                        .as("the stream's walsender serves a Unix-socket client (no client address)").isEqualTo(1);
            }
            for (int k = 1; k <= kills; k++) {
                if (k % switchEvery == 0 && !"kafka".equals(source)) {
                    // a switch both ways needs a streaming sidecar; the kill follows it at a random moment
                    sidecar.awaitStreaming();
                    event(logs, "switch both ways");
                    switchesDone += switchBothWays(env) ? 1 : 0;
                    event(logs, "switched");
                }
                // strict: long enough lives that most sidecars get their stream made the synchronous standby
                // (the guard sets it once the stream is live) before they die
                Thread.sleep(strict ? 2500 + random.nextInt(3500) : 200 + random.nextInt(2800));
                if (feeder != null && feeder.stopped() != null) {
                    event(logs, "the feeder stopped (" + feeder.stopped() + "): started again from its offsets");
                    feeder.close();
                    feeder = new DebeziumFeeder(db, topic(), true, offsets);
                }
                sidecar.sigkill();
                killsDone++;
                event(logs, "killed sidecar " + k + "; its output:\n" + sidecar.output());
                sidecar.close();
                if (k % restartEvery == 0 && restartsDone < restarts) {
                    boolean immediate = restartsDone % 2 == 0;
                    event(logs, "restart " + (immediate ? "immediate" : "fast"));
                    db.cluster().restart(immediate);
                    restartsDone++;
                    event(logs, "restarted");
                    if (feeder != null) {
                        // Kafka Connect restarts a failed task; here the feeder plays Connect
                        Thread.sleep(1000);
                        if (feeder.stopped() != null) {
                            event(logs, "the feeder stopped (" + feeder.stopped() + "): started again from its offsets");
                            feeder.close();
                            feeder = new DebeziumFeeder(db, topic(), true, offsets);
                        }
                    }
                }
                sidecar = Sidecar.start(env, run);
                if (k % 20 == 0) {
                    System.err.println("[soak] " + source + ": " + k + " kills, " + restartsDone + " restarts, " + switchesDone + " switches, "
                            + committed(writers) + " transactions");
                }
            }
            sidecar.awaitOutput("kafka".equals(source) ? "consuming" : "streaming from slot");
            Thread.sleep(2000);
            for (RetryingPusher w : writers) {
                w.close();
            }
            if (feeder != null) {
                if (feeder.stopped() != null) {
                    feeder.close();
                    feeder = new DebeziumFeeder(db, topic(), true, offsets);
                }
                Thread.sleep(5000);
                feeder.awaitQuiet();
            }
            DebeziumFeeder f = feeder;
            long missing = awaitNoneMissing(Duration.ofSeconds(60), Duration.ofMinutes(10), logs, () -> f == null ? -1 : f.produced());
            event(logs, "final sidecar output:\n" + sidecar.output());
            if (missing > 0) {
                event(logs, "missing: " + describeMissing());
            }
            Map<UUID, PgDatabase.Pos> lookup = db.lookup();
            long wrong = db.oracle().entrySet().stream().filter(e -> !e.getValue().equals(lookup.get(e.getKey()))).count();
            Duration took = Duration.between(started, Instant.now());
            long partitions = db.queryLong("SELECT count(*) FROM queen.partitions p WHERE EXISTS (SELECT 1 FROM queen.messages m WHERE m.partition_id = p.id)");
            String line = String.format("| %s | %s | %d | %d | %d | %d | %d | %d | %d | %d s |", Instant.now(), source + (strict ? ", strict" : "") + (viaSocket ? ", Unix socket" : ""), killsDone, restartsDone,
                    switchesDone, committed(writers), partitions, missing, wrong, took.toSeconds());
            System.err.println("[soak] " + line);
            Path out = Path.of("build", "soak", "results.md");
            Files.createDirectories(out.getParent());
            if (!Files.exists(out)) {
                Files.writeString(out, "| finished | source | kills | restarts | switches | transactions | partitions | lost | wrong | time |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|\n");
            }
            Files.writeString(out, line + "\n", StandardOpenOption.APPEND);
            assertThat(killsDone).isEqualTo(kills);
            assertThat(restartsDone).isEqualTo(restarts);
            assertThat(committed(writers)).as("pushes ran throughout").isGreaterThan(kills * 10L);
            assertThat(missing).as("transactions lost (partitions with messages and no lookup row)").isZero();
            assertThat(wrong).as("lookup rows that differ from the newest message").isZero();
            assertThat(sidecar.sigterm(20)).isZero();
        } finally {
            for (RetryingPusher w : writers) {
                w.close();
            }
            if (feeder != null) {
                feeder.close();
            }
        }
    }

    private static void event(Path log, String what) throws java.io.IOException {
        Files.writeString(log, Instant.now() + " " + what + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The partitions without a lookup row: their messages' times and transaction ids, to place them among the events. */
    private static String describeMissing() throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT p.name, min(m.created_at), max(m.created_at), count(*),"
                + " min(m.xmin::text), (SELECT checkpoint_lsn::text FROM lookupkeeper.streams WHERE stream = 'main')"
                + " FROM queen.partitions p JOIN queen.messages m ON m.partition_id = p.id"
                + " WHERE NOT EXISTS (SELECT 1 FROM queen.partition_lookup l WHERE l.partition_id = p.id) GROUP BY p.name");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.append("\n  ").append(rs.getString(1)).append(" messages ").append(rs.getInt(4)).append(" created ")
                        .append(rs.getString(2)).append(" .. ").append(rs.getString(3)).append(" xid ").append(rs.getString(5))
                        .append(" checkpoint ").append(rs.getString(6));
            }
        }
        return out.toString();
    }

    private static long committed(List<RetryingPusher> writers) {
        return writers.stream().mapToLong(RetryingPusher::committed).sum();
    }

    private Map<String, String> sidecarEnv() throws SQLException {
        Map<String, String> env = db.env("kafka".equals(source) ? "pgoutput" : source);
        if (viaSocket) {
            String dir = db.socketDirectory();
            assumeTrue(dir != null, "-Dsoak.socket=unix: the soak cluster's Unix socket is not reachable from here");
            assumeTrue("pgoutput".equals(source), "-Dsoak.socket=unix: only the native reader connects over a Unix socket");
            env.put("PGHOST", dir);
        }
        if ("kafka".equals(source)) {
            env.put("LOOKUPKEEPER_KAFKA_BOOTSTRAP", KafkaBroker.bootstrapServers());
        }
        return env;
    }

    private String[] runArgs() throws Exception {
        if ("kafka".equals(source)) {
            KafkaBroker.createTopic(topic(), 4);
            return new String[] {"run", "--source", "kafka", "--kafka-topic", topic(), "--kafka-group", "soak-" + db.name()};
        }
        if (strict) {
            return new String[] {"run", "--heartbeat-ms", "1000", "--consistency", "strict", "--strict-failover", "2s",
                "--strict-sink-commit", System.getProperty("soak.sinkCommit", "auto")};
        }
        return new String[] {"run", "--heartbeat-ms", "1000"};
    }

    private String topic() {
        return "soak." + db.name();
    }

    private static boolean switchBothWays(Map<String, String> env) throws Exception {
        Sidecar.Result toTrigger = Sidecar.run(env, "switch", "--to", "trigger", "--timeout", "60s");
        Sidecar.Result toCdc = Sidecar.run(env, "switch", "--to", "cdc", "--timeout", "60s");
        if (toTrigger.exitCode() != 0 || toCdc.exitCode() != 0) {
            System.err.println("[soak] switch failed:\n" + toTrigger.output() + "\n" + toCdc.output());
            return false;
        }
        return true;
    }

    /** Every transaction a new partition and 1 to 20 messages in it; multi-row INSERT and COPY take turns. */
    private static void newPartitionWithMessages(Connection c, Random random) throws SQLException, java.io.IOException {
        UUID partition;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.partitions (queue_id, name)"
                + " SELECT id, 'soak-' || nextval('soak_partition_seq') FROM queen.queues WHERE name = 'soak-0' RETURNING id");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            partition = (UUID) rs.getObject(1);
        }
        int rows = 1 + random.nextInt(20);
        if (random.nextBoolean()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO queen.messages (transaction_id, partition_id, payload)"
                    + " SELECT 'soak-' || gen_random_uuid(), ?, '{}' FROM generate_series(1, ?)")) {
                ps.setObject(1, partition);
                ps.setInt(2, rows);
                ps.executeUpdate();
            }
        } else {
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < rows; i++) {
                data.append("copy-").append(UUID.randomUUID()).append('\t').append(partition).append('\t').append("{}").append('\n');
            }
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY queen.messages (transaction_id, partition_id, payload) FROM STDIN",
                    new StringReader(data.toString()));
        }
    }

    /**
     * Waits for the sidecar to catch up, as long as it does: the wait ends when no partition lacks
     * its row, or when that count did not fall, the feeder produced nothing and the sidecar applied
     * no batch for {@code stall}
     * (a loss stays; a drain moves), and never later than {@code atMost}. In Kafka mode the killed
     * consumers leave the whole backlog to the last one (a group rebalances slower than the kills
     * come), and the feeder itself may still be catching up: a fixed 120 s once ended a drain that
     * was on its way. The count is logged every 10 s, so a stall shows apart from a slow drain.
     */
    private static long awaitNoneMissing(Duration stall, Duration atMost, Path logs, java.util.function.LongSupplier produced)
            throws Exception {
        long now = System.currentTimeMillis();
        long cap = now + atMost.toMillis();
        long progressAt = now;
        long nextLog = now;
        long best = Long.MAX_VALUE;
        long fed = produced.getAsLong();
        long lastApplied = 0;
        long missing;
        while (true) {
            missing = db.queryLong("SELECT count(*) FROM queen.partitions p WHERE EXISTS (SELECT 1 FROM queen.messages m WHERE m.partition_id = p.id)"
                    + " AND NOT EXISTS (SELECT 1 FROM queen.partition_lookup l WHERE l.partition_id = p.id)");
            if (missing == 0) {
                return 0;
            }
            now = System.currentTimeMillis();
            long f = produced.getAsLong();
            // the sidecar still applying batches (records of partitions that have rows already) is progress too
            long appliedAt = db.queryLong("SELECT COALESCE((extract(epoch FROM max(last_batch_at)) * 1000)::bigint, 0) FROM lookupkeeper.streams");
            if (missing < best || f > fed || appliedAt > lastApplied) {
                progressAt = now;
                best = Math.min(best, missing);
                fed = Math.max(fed, f);
                lastApplied = Math.max(lastApplied, appliedAt);
            }
            if (now >= nextLog) {
                event(logs, "catching up: " + missing + " partitions without a lookup row" + (f < 0 ? "" : "; the feeder produced " + f + " records"));
                nextLog += 10_000;
            }
            if (now - progressAt > stall.toMillis() || now > cap) {
                return missing;
            }
            Thread.sleep(1000);
        }
    }
}
