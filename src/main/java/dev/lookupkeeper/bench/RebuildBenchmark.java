package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.mode.TriggerMode;
import dev.lookupkeeper.operations.check.Rebuild;
import dev.lookupkeeper.pg.Database;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Rebuild time on an empty lookup (every row missing) at two sizes, and the longest push while a
 * rebuild repairs damaged rows in trigger mode — the mode in which its row locks meet pushes.
 */
final class RebuildBenchmark {
    private final ConnectionSettings conn;
    private final Settings settings;
    private final PrintStream out;

    RebuildBenchmark(ConnectionSettings conn, Settings settings, PrintStream out) {
        this.conn = conn;
        this.settings = settings;
        this.out = out;
    }

    List<String> run(int[][] sizes) throws Exception {
        List<String> table = new ArrayList<>();
        table.add("| messages | partitions | rebuild of an empty lookup | rows fixed |");
        table.add("|---|---|---|---|");
        try (Connection c = Database.connect(conn, "bench-rebuild"); Statement st = c.createStatement()) {
            for (int[] size : sizes) {
                int messages = size[0];
                int partitions = size[1];
                String prefix = "rb" + partitions;
                out.printf("rebuild benchmark: %,d messages in %,d partitions...%n", messages, partitions);
                QueenFixture.createQueues(c, prefix, 1, partitions);
                try (PreparedStatement fill = c.prepareStatement("INSERT INTO queen.messages (transaction_id, partition_id, payload, created_at)"
                        + " SELECT p.id || '-' || g, p.id, '{}'::jsonb, now() - (g || ' seconds')::interval"
                        + " FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id, generate_series(1, ?) g"
                        + " WHERE q.name = ?")) {
                    fill.setInt(1, messages / partitions);
                    fill.setString(2, prefix + "-0");
                    fill.execute();
                }
                st.execute("TRUNCATE queen.partition_lookup");
                st.execute("ANALYZE queen.messages");
                long t = System.nanoTime();
                Rebuild.Report r = new Rebuild(settings, 1).run(c, true, d -> { });
                long ms = (System.nanoTime() - t) / 1_000_000;
                table.add(String.format("| %,d | %,d | %,d ms | %,d |", messages, partitions, ms, r.total()));
            }
            // trigger mode, 4 writers, 10 % of rows pushed a day ahead: the longest push during the rebuild
            List<UUID> ids = new ArrayList<>();
            try (var rs = st.executeQuery("SELECT partition_id FROM queen.partition_lookup LIMIT 10000")) {
                while (rs.next()) {
                    ids.add((UUID) rs.getObject(1));
                }
            }
            new TriggerMode(settings).create(c);
            st.execute("UPDATE queen.partition_lookup SET last_message_created_at = now() + interval '1 day' WHERE random() < 0.1");
            long baseline;
            try (PushLoad load = new PushLoad(conn, ids, new PushLoad.Options(4, 2000, 10, 0, 1)).start()) {
                Thread.sleep(5000);
                baseline = load.maxPushNanos();
            }
            try (PushLoad load = new PushLoad(conn, ids, new PushLoad.Options(4, 2000, 10, 0, 2)).start()) {
                Thread.sleep(500);
                long t = System.nanoTime();
                Rebuild.Report r = new Rebuild(settings, 1).run(c, true, d -> { });
                long ms = (System.nanoTime() - t) / 1_000_000;
                table.add("");
                table.add(String.format("Trigger mode, 4 writers at 2,000 msg/s, %,d damaged rows: rebuild %,d ms; longest push during it"
                        + " %.1f ms (longest push in 5 s without a rebuild: %.1f ms).", r.total(), ms, load.maxPushNanos() / 1e6, baseline / 1e6));
            }
            new TriggerMode(settings).drop(c);
        }
        return table;
    }
}
