package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.selection.PartitionSelector;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The selection equals the queue's own query, run verbatim against the same tables, on randomized
 * states: active and expired leases, cursors behind, equal and ahead, NULL cursors, two consumer
 * groups, window buffers. As sets; and the limited list is a valid top-N of the order.
 */
class SelectionIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    /** The queue server's selection (consumer group and window buffer as it binds them), with its sort keys. */
    private static final String VERBATIM = "SELECT p.id, p.name, pc.last_consumed_at, pl.last_message_created_at"
            + " FROM queen.partition_lookup pl"
            + " JOIN queen.partitions p ON p.id = pl.partition_id"
            + " JOIN queen.queues q ON q.name = pl.queue_name"
            + " LEFT JOIN queen.partition_consumers pc ON pc.partition_id = pl.partition_id AND pc.consumer_group = ?"
            + " WHERE pl.queue_name = ?"
            + "   AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= NOW())"
            + "   AND (pc.last_consumed_created_at IS NULL"
            + "        OR pl.last_message_created_at > pc.last_consumed_created_at"
            + "        OR (pl.last_message_created_at = pc.last_consumed_created_at AND pl.last_message_id > pc.last_consumed_id))"
            + "   AND (q.window_buffer = 0 OR pl.last_message_created_at <= NOW() - (q.window_buffer || ' seconds')::interval)"
            + " ORDER BY pc.last_consumed_at ASC NULLS FIRST, pl.last_message_created_at DESC";

    @Test
    void selectionEqualsTheQueuesQueryOnRandomizedStates() throws Exception {
        Random r = new Random(4242);
        db.createQueues("sel", 2, 150);
        db.execute("UPDATE queen.queues SET window_buffer = 30 WHERE name = 'sel-1'");
        assertThat(Sidecar.run(db.env(), "install", "--mode", "trigger").exitCode()).isZero();
        try (HikariDataSource ds = Database.pool(db.connection(), "tests", 2)) {
            PartitionSelector selector = new PartitionSelector(ds, db.settings());
            for (int state = 0; state < 6; state++) {
                randomize(db, r);
                for (String queue : List.of("sel-0", "sel-1", "no-such-queue")) {
                    for (String group : new String[] {null, "__QUEUE_MODE__", "analytics"}) {
                        List<Row> truth = verbatim(db, queue, group == null ? PartitionSelector.DEFAULT_GROUP : group);
                        List<PartitionSelector.Candidate> all = selector.candidates(queue, group, PartitionSelector.MAX_LIMIT);
                        assertThat(ids(all)).as("state %d, %s, group %s", state, queue, group).isEqualTo(rowIds(truth));
                        assertOrdered(all.stream().map(PartitionSelector.Candidate::id).toList(), truth);
                        List<PartitionSelector.Candidate> top = selector.candidates(queue, group, 10);
                        assertValidTopN(top, truth, 10);
                    }
                }
            }
        }
    }

    @Test
    void cliPrintsTheSameListAsJson() throws Exception {
        List<UUID> partitions = db.createQueues("cli", 1, 5);
        assertThat(Sidecar.run(db.env(), "install", "--mode", "trigger").exitCode()).isZero();
        for (UUID p : partitions) {
            db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES ('c-" + p + "', '" + p + "', '{}')");
        }
        Sidecar.Result r = Sidecar.run(db.env(), "select", "--queue", "cli-0", "--limit", "3", "--json");
        assertThat(r.exitCode()).as(r.output()).isZero();
        String json = r.output().substring(r.output().indexOf('['));
        var arr = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertThat(arr).hasSize(3);
        assertThat(arr.get(0).fieldNames()).toIterable().containsExactlyInAnyOrder("id", "name");
        Sidecar.Result bad = Sidecar.run(db.env(), "select", "--queue", "cli-0", "--limit", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.output()).contains("limit must be a positive number");
        // no cap on the CLI: a script can ask for the whole list
        Sidecar.Result big = Sidecar.run(db.env(), "select", "--queue", "cli-0", "--limit", "100000", "--json");
        assertThat(big.exitCode()).as(big.output()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(big.output().substring(big.output().indexOf('[')))).hasSize(5);
        Sidecar.Result every = Sidecar.run(db.env(), "select", "--queue", "cli-0", "--all", "--json");
        assertThat(every.exitCode()).as(every.output()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(every.output().substring(every.output().indexOf('['))))
                .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(big.output().substring(big.output().indexOf('['))));
        assertThat(Sidecar.run(db.env(), "select", "--queue", "cli-0", "--all", "--limit", "3").exitCode()).isEqualTo(2);
        Sidecar.Result none = Sidecar.run(db.env(), "select", "--queue", "nope", "--json");
        assertThat(none.exitCode()).isZero();
        assertThat(none.output().trim()).endsWith("[ ]");
    }

    record Row(UUID id, java.sql.Timestamp consumedAt, java.sql.Timestamp createdAt) {}

    /** Messages, consumers with all kinds of cursors and leases, in both groups. */
    static void randomize(PgDatabase db, Random r) throws Exception {
        try (Connection c = db.connect()) {
            c.createStatement().execute("DELETE FROM queen.partition_consumers");
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery("SELECT p.id FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id"
                    + " WHERE q.name LIKE 'sel-%'")) {
                while (rs.next()) {
                    ids.add((UUID) rs.getObject(1));
                }
            }
            try (PreparedStatement msg = c.prepareStatement("INSERT INTO queen.messages (id, transaction_id, partition_id, payload, created_at)"
                    + " VALUES (gen_random_uuid(), gen_random_uuid()::text, ?, '{}', now() - (? || ' seconds')::interval)");
                 PreparedStatement pc = c.prepareStatement("INSERT INTO queen.partition_consumers (partition_id, consumer_group,"
                         + " last_consumed_id, last_consumed_created_at, last_consumed_at, lease_expires_at)"
                         + " SELECT ?, ?, coalesce(m.id, '00000000-0000-0000-0000-000000000000'), m.created_at,"
                         + "  now() - (? || ' seconds')::interval, CASE ? WHEN 0 THEN NULL WHEN 1 THEN now() + interval '1 minute'"
                         + "  ELSE now() - interval '1 minute' END"
                         + " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT id, created_at FROM queen.messages WHERE partition_id = ?"
                         + "  ORDER BY created_at DESC, id DESC OFFSET ? LIMIT 1) m ON ? ")) {
                for (UUID p : ids) {
                    if (r.nextInt(4) > 0) {
                        msg.setObject(1, p);
                        // never within 15 s of sel-1's 30 s window buffer: the truth and the selection are read
                        // seconds apart, and a message crossing the window between them would differ
                        int age = r.nextInt(120);
                        msg.setInt(2, age >= 15 && age < 45 ? age + 30 : age);
                        msg.executeUpdate();
                    }
                    for (String group : new String[] {"__QUEUE_MODE__", "analytics"}) {
                        int kind = r.nextInt(4); // 0 no consumer row; 1 NULL cursor; 2 cursor at newest; 3 behind
                        if (kind == 0) {
                            continue;
                        }
                        pc.setObject(1, p);
                        pc.setString(2, group);
                        pc.setInt(3, r.nextInt(3) == 0 ? 0 : r.nextInt(600));
                        pc.setInt(4, r.nextInt(3));
                        pc.setObject(5, p);
                        pc.setInt(6, kind == 3 ? 1 : 0);
                        pc.setBoolean(7, kind != 1);
                        pc.executeUpdate();
                    }
                }
            }
            // cursors ahead of the row (as after a phantom was lowered)
            c.createStatement().execute("UPDATE queen.partition_consumers SET last_consumed_created_at = last_consumed_created_at + interval '1 second'"
                    + " WHERE last_consumed_created_at IS NOT NULL AND random() < 0.15");
            // NULL last_consumed_at for some rows, ties in last_consumed_at for others
            c.createStatement().execute("UPDATE queen.partition_consumers SET last_consumed_at = NULL WHERE random() < 0.15");
            c.createStatement().execute("UPDATE queen.partition_consumers SET last_consumed_at = date_trunc('minute', now()) WHERE random() < 0.1");
        }
    }

    static List<Row> verbatim(PgDatabase db, String queue, String group) throws Exception {
        List<Row> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(VERBATIM)) {
            ps.setString(1, group);
            ps.setString(2, queue);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Row((UUID) rs.getObject(1), rs.getTimestamp(3), rs.getTimestamp(4)));
                }
            }
        }
        return out;
    }

    private static Set<UUID> ids(List<PartitionSelector.Candidate> list) {
        Set<UUID> s = new HashSet<>();
        list.forEach(c -> s.add(c.id()));
        assertThat(s).as("no duplicates").hasSize(list.size());
        return s;
    }

    private static Set<UUID> rowIds(List<Row> rows) {
        Set<UUID> s = new HashSet<>();
        rows.forEach(x -> s.add(x.id()));
        return s;
    }

    /** Sort key of the queue's order: (NULLS FIRST consumed_at ASC, created_at DESC). */
    static int compare(Row a, Row b) {
        if (a.consumedAt() == null || b.consumedAt() == null) {
            if (a.consumedAt() != b.consumedAt()) {
                return a.consumedAt() == null ? -1 : 1;
            }
        } else {
            int c = a.consumedAt().compareTo(b.consumedAt());
            if (c != 0) {
                return c;
            }
        }
        return b.createdAt().compareTo(a.createdAt());
    }

    static void assertOrdered(List<UUID> list, List<Row> truth) {
        java.util.Map<UUID, Row> byId = new java.util.HashMap<>();
        truth.forEach(x -> byId.put(x.id(), x));
        for (int i = 1; i < list.size(); i++) {
            assertThat(compare(byId.get(list.get(i - 1)), byId.get(list.get(i)))).as("position %d", i).isLessThanOrEqualTo(0);
        }
    }

    /** Every returned row sorts no later than every row left out. */
    static void assertValidTopN(List<PartitionSelector.Candidate> top, List<Row> truth, int n) {
        assertThat(top).hasSize(Math.min(n, truth.size()));
        java.util.Map<UUID, Row> byId = new java.util.HashMap<>();
        truth.forEach(x -> byId.put(x.id(), x));
        Set<UUID> chosen = new HashSet<>();
        top.forEach(c -> chosen.add(c.id()));
        assertThat(byId.keySet()).containsAll(chosen);
        for (UUID in : chosen) {
            for (Row out : truth) {
                if (!chosen.contains(out.id())) {
                    assertThat(compare(byId.get(in), out)).isLessThanOrEqualTo(0);
                }
            }
        }
    }
}
