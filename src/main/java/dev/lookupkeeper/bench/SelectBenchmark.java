package dev.lookupkeeper.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.http.HttpApi;
import dev.lookupkeeper.http.Metrics;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.selection.MemorySelection;
import dev.lookupkeeper.selection.PartitionSelector;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.sidecar.StreamSource;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Selection latency at growing queue sizes: the Java API and HTTP next to the verbatim lookup query
 * and the naive query on queen.messages that the lookup replaced. Each size gets its own queue in
 * a realistic steady state: most partitions consumed before, a third with new messages, some
 * leased, a few never consumed.
 */
final class SelectBenchmark {
    private static final String VERBATIM = "SELECT p.id, p.name FROM queen.partition_lookup pl"
            + " JOIN queen.partitions p ON p.id = pl.partition_id"
            + " LEFT JOIN queen.partition_consumers pc ON pc.partition_id = pl.partition_id AND pc.consumer_group = ?"
            + " WHERE pl.queue_name = ? AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= NOW())"
            + " AND (pc.last_consumed_created_at IS NULL OR pl.last_message_created_at > pc.last_consumed_created_at"
            + "      OR (pl.last_message_created_at = pc.last_consumed_created_at AND pl.last_message_id > pc.last_consumed_id))"
            + " ORDER BY pc.last_consumed_at ASC NULLS FIRST, pl.last_message_created_at DESC LIMIT ?";
    private static final String NAIVE = "SELECT p.id, p.name FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id"
            + " LEFT JOIN queen.partition_consumers pc ON pc.partition_id = p.id AND pc.consumer_group = ?"
            + " WHERE q.name = ? AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= NOW())"
            + " AND EXISTS (SELECT 1 FROM queen.messages m WHERE m.partition_id = p.id AND (pc.last_consumed_created_at IS NULL"
            + "      OR (m.created_at, m.id) > (pc.last_consumed_created_at, pc.last_consumed_id)))"
            + " ORDER BY pc.last_consumed_at ASC NULLS FIRST LIMIT ?";

    private final ConnectionSettings conn;
    private final Settings settings;
    private final List<Integer> sizes;
    private final int iterations;
    private final PrintStream out;

    SelectBenchmark(ConnectionSettings conn, Settings settings, List<Integer> sizes, int iterations, PrintStream out) {
        this.conn = conn;
        this.settings = settings;
        this.sizes = sizes;
        this.iterations = iterations;
        this.out = out;
    }

    List<String> run() throws Exception {
        List<String> table = new ArrayList<>();
        table.add("| partitions in the queue | in memory, Java API p50 / p99 (ms) | in memory, HTTP p50 / p99 (ms) | SQL, Java API p50 / p99 (ms)"
                + " | verbatim lookup query p50 / p99 (ms) | naive query on messages p50 / p99 (ms) |");
        table.add("|---|---|---|---|---|---|");
        try (HikariDataSource pool = Database.pool(conn, "lookupkeeper-bench-select", 4);
             Connection c = Database.connect(conn, "lookupkeeper-bench-select")) {
            PartitionSelector selector = new PartitionSelector(pool, settings);
            MemorySelection memory = new MemorySelection(settings);
            // the model follows the sidecar's one stream, as in `run`
            CdcPipeline pipeline = new CdcPipeline(settings, StreamTarget.main(settings), new PipelineStats(),
                    new CdcPipeline.Options(StreamSource.PGOUTPUT, true, memory));
            pipeline.start(Bootstrapper.ProgressSink.none());
            try {
            try (HttpApi http = new HttpApi(0, memory::candidates, new Metrics(new PipelineStats()), () -> true, () -> "bench")) {
                HttpClient client = HttpClient.newHttpClient();
                for (int size : sizes) {
                    String queue = "sel-" + size;
                    out.printf("selection benchmark: preparing a queue of %,d partitions...%n", size);
                    prepare(c, queue, size);
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (!memory.ready() || !new java.util.HashSet<>(memory.candidates(queue, null, PartitionSelector.MAX_LIMIT))
                            .equals(new java.util.HashSet<>(selector.candidates(queue, null, PartitionSelector.MAX_LIMIT)))) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("the in-memory selection did not catch up with the database");
                        }
                        Thread.sleep(200);
                    }
                    Histogram mem = time(() -> memory.candidates(queue, null, 100));
                    Histogram api = time(() -> selector.candidates(queue, null, 100));
                    Histogram web = time(() -> {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port()
                                + "/v1/queues/" + queue + "/partitions?limit=100")).GET().build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("HTTP " + r.statusCode());
                        }
                    });
                    Histogram verbatim = time(() -> query(c, VERBATIM, queue));
                    Histogram naive = time(() -> query(c, NAIVE, queue));
                    table.add(String.format("| %,d | %s | %s | %s | %s | %s |", size, ms(mem), ms(web), ms(api), ms(verbatim), ms(naive)));
                }
                out.println("selection plan at the largest size:");
                try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + SqlText.of(settings))) {
                    ps.setString(1, PartitionSelector.DEFAULT_GROUP);
                    ps.setString(2, "sel-" + sizes.get(sizes.size() - 1));
                    ps.setInt(3, 100);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.println("    " + rs.getString(1));
                        }
                    }
                }
            }
            } finally {
                pipeline.close();
            }
        }
        return table;
    }

    /** The selection statement as lookupkeeper runs it, for EXPLAIN. */
    static final class SqlText {
        static String of(Settings s) {
            return dev.lookupkeeper.pg.SqlTemplates.of(s).get("select/candidates.sql");
        }
    }

    private static void query(Connection c, String sql, String queue) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, PartitionSelector.DEFAULT_GROUP);
            ps.setString(2, queue);
            ps.setInt(3, 100);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getObject(1);
                }
            }
        }
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    private Histogram time(Call call) throws Exception {
        for (int i = 0; i < Math.max(10, iterations / 10); i++) {
            call.run();
        }
        Histogram h = new Histogram(60_000_000_000L, 3);
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            call.run();
            h.recordValue(System.nanoTime() - t);
        }
        return h;
    }

    private static String ms(Histogram h) {
        return String.format("%.2f / %.2f", h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6);
    }

    /** One queue of the given size: 3 messages per partition, lookup rows, consumers in a steady state. */
    private static void prepare(Connection c, String queue, int size) throws Exception {
        // the queue's name and size are bound, as every value is
        run(c, "INSERT INTO queen.queues (name) VALUES (?)", queue);
        run(c, "INSERT INTO queen.partitions (queue_id, name) SELECT q.id, 'p-' || g FROM queen.queues q, generate_series(1, ?) g WHERE q.name = ?", size, queue);
        run(c, "INSERT INTO queen.messages (transaction_id, partition_id, payload, created_at)"
                    + " SELECT 't-' || p.id || '-' || g, p.id, '{}', now() - interval '1 hour' + (random() * 3000 || ' seconds')::interval"
                    + " FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id, generate_series(1, 3) g WHERE q.name = ?", queue);
        run(c, "INSERT INTO queen.partition_lookup AS pl (queue_name, partition_id, last_message_id, last_message_created_at)"
                    + " SELECT ?, m.partition_id, m.id, m.created_at FROM (SELECT DISTINCT ON (mm.partition_id) mm.partition_id, mm.id, mm.created_at"
                    + "  FROM queen.messages mm JOIN queen.partitions p ON p.id = mm.partition_id JOIN queen.queues q ON q.id = p.queue_id"
                    + "  WHERE q.name = ? ORDER BY mm.partition_id, mm.created_at DESC, mm.id DESC) m"
                    + " ON CONFLICT (queue_name, partition_id) DO NOTHING", queue, queue);
        run(c, "INSERT INTO queen.partition_consumers (partition_id, consumer_group, last_consumed_id, last_consumed_created_at,"
                    + " last_consumed_at, lease_expires_at)"
                    + " SELECT pl.partition_id, '__QUEUE_MODE__', m.id, m.created_at, now() - (random() * 600 || ' seconds')::interval,"
                    + "  CASE WHEN random() < 0.05 THEN now() + interval '5 minutes' END"
                    + " FROM queen.partition_lookup pl"
                    + " CROSS JOIN LATERAL (SELECT id, created_at FROM queen.messages mm WHERE mm.partition_id = pl.partition_id"
                    + "   ORDER BY created_at DESC, id DESC OFFSET (CASE WHEN random() < 0.33 THEN 1 ELSE 0 END) LIMIT 1) m"
                    + " WHERE pl.queue_name = ? AND random() < 0.97", queue);
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE queen.partition_lookup, queen.partition_consumers, queen.messages, queen.partitions");
        }
    }

    private static void run(Connection c, String sql, Object... values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                ps.setObject(i + 1, values[i]);
            }
            ps.execute();
        }
    }
}
