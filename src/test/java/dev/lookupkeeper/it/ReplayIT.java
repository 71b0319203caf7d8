package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * replay re-reads the log from a position the replay window holds: it re-applies exactly the
 * events committed since (counted), restores rows behind or missing, changes nothing that was
 * right, never lowers a row; from a position the window no longer holds it fails with exit 7,
 * naming the earliest position. A replay killed midway leaves a slot the sidecar drops; trigger
 * mode keeps no window.
 */
class ReplayIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void replayReappliesWhatTheWindowHoldsAndRefusesWhatItDoesNot() throws Exception {
        List<UUID> partitions = db.createQueues("rp", 1, 100);
        String replaySlot = db.name() + "_replay";
        String replayingSlot = db.name() + "_replaying";
        try (Sidecar run = Sidecar.start(db.env(), "run").awaitStreaming()) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + replaySlot + "'") == 1);
            JsonNode status = json(Sidecar.run(db.env(), "status", "--json"));
            assertThat(status.path("replay").path("present").asBoolean()).isTrue();
            assertThat(status.path("replay").path("earliest_lsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");

            String from = text("SELECT pg_current_wal_insert_lsn()::text");
            OffsetDateTime fromTime = now();
            // 300 messages after `from`: three per partition, in 30 transactions
            try (Connection c = db.connect()) {
                c.setAutoCommit(false);
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < partitions.size(); i += 10) {
                        try (Statement st = c.createStatement()) {
                            StringBuilder values = new StringBuilder();
                            for (int k = i; k < i + 10; k++) {
                                values.append(values.length() == 0 ? "" : ",").append("('r").append(round).append('-').append(k)
                                        .append("', '").append(partitions.get(k)).append("', '{}')");
                            }
                            st.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) VALUES " + values);
                        }
                        c.commit();
                    }
                }
            }
            db.awaitLookupEqualsOracle(Duration.ofSeconds(30));

            // damage the stream cannot see: 20 rows lowered to their partition's oldest message, 10 rows deleted
            db.execute("UPDATE queen.partition_lookup pl SET last_message_id = m.id, last_message_created_at = m.created_at"
                    + " FROM (SELECT DISTINCT ON (partition_id) partition_id, id, created_at FROM queen.messages"
                    + "  ORDER BY partition_id, created_at, id) m"
                    + " WHERE m.partition_id = pl.partition_id AND pl.partition_id IN (SELECT partition_id FROM queen.partition_lookup"
                    + "  ORDER BY partition_id LIMIT 20)");
            db.execute("DELETE FROM queen.partition_lookup WHERE partition_id IN (SELECT partition_id FROM queen.partition_lookup"
                    + " ORDER BY partition_id DESC LIMIT 10)");

            JsonNode first = json(Sidecar.run(db.env(), "replay", "--from-lsn", from, "--json"));
            assertThat(first.path("from_lsn").asText()).isEqualTo(from);
            assertThat(first.path("events").asLong()).as("exactly the messages committed since the position").isEqualTo(300);
            // each damaged row moves at least once; a row moved by several replayed batches counts once per move
            // (20 lowered rows can move twice, 10 deleted rows three times); rows that were right never move
            assertThat(first.path("rows_changed").asLong()).as("row moves: the damaged rows only").isBetween(30L, 70L);
            db.assertLookupEqualsOracle();

            JsonNode again = json(Sidecar.run(db.env(), "replay", "--from-lsn", from, "--json"));
            assertThat(again.path("events").asLong()).isEqualTo(300);
            assertThat(again.path("rows_changed").asLong()).as("nothing that was right changes").isZero();

            JsonNode byTime = json(Sidecar.run(db.env(), "replay", "--from-time", fromTime.toString(), "--json"));
            assertThat(byTime.path("events").asLong()).as("a time starts at the mark at or before it").isGreaterThanOrEqualTo(300);
            assertThat(byTime.path("rows_changed").asLong()).isZero();

            // a row ahead of the truth: replay cannot lower it (rebuild can)
            UUID ahead = partitions.get(50);
            db.execute("UPDATE queen.partition_lookup SET last_message_created_at = now() + interval '1 day' WHERE partition_id = '" + ahead + "'");
            JsonNode monotonic = json(Sidecar.run(db.env(), "replay", "--from-lsn", from, "--json"));
            assertThat(monotonic.path("rows_changed").asLong()).isZero();
            assertThat(db.queryLong("SELECT count(*) FROM queen.partition_lookup WHERE partition_id = '" + ahead
                    + "' AND last_message_created_at > now() + interval '1 hour'")).isEqualTo(1);
            assertThat(Sidecar.run(db.env(), "rebuild").exitCode()).isZero();
            db.assertLookupEqualsOracle();

            // killed while it streams: its slot is left behind, and the running sidecar drops it
            try (Sidecar killed = Sidecar.start(db.env(), "replay", "--from-lsn", from)) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() ->
                        db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + replayingSlot + "'") == 1
                                || !killed.isAlive());
                killed.sigkill();
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + replayingSlot + "'") == 0);

            // the window moves on (as it does once its time has passed): the old position is gone
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                db.execute("SELECT pg_replication_slot_advance('" + replaySlot + "', pg_current_wal_insert_lsn())");
                return true;
            });
            String earliest = text("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + replaySlot + "'");
            Sidecar.Result gone = Sidecar.run(db.env(), "replay", "--from-lsn", from);
            assertThat(gone.exitCode()).as(gone.output()).isEqualTo(7);
            assertThat(gone.output()).contains("no longer retained").contains(earliest).contains("rebuild");
            Sidecar.Result goneByTime = Sidecar.run(db.env(), "replay", "--from-time", fromTime.toString());
            assertThat(goneByTime.exitCode()).as(goneByTime.output()).isEqualTo(7);
            assertThat(Sidecar.run(db.env(), "replay", "--from-lsn", earliest).exitCode()).as("from the earliest position it works").isZero();

            Sidecar.Result bad = Sidecar.run(db.env(), "replay", "--from-lsn", "yesterday");
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(bad.output()).contains("not an LSN");
            Sidecar.Result noStart = Sidecar.run(db.env(), "replay");
            assertThat(noStart.exitCode()).isEqualTo(2);
            assertThat(noStart.output()).contains("--from-lsn").contains("--from-time");
            Sidecar.Result badTime = Sidecar.run(db.env(), "replay", "--from-time", "last tuesday");
            assertThat(badTime.exitCode()).isEqualTo(2);
            assertThat(badTime.output()).contains("ISO-8601");
            Sidecar.Result badWindow = Sidecar.run(db.env(), "run", "--replay-window", "15 minutes");
            assertThat(badWindow.exitCode()).isEqualTo(2);
            assertThat(badWindow.output()).contains("--replay-window").contains("is not a duration");
            Sidecar.Result longWindow = Sidecar.run(db.env(), "run", "--replay-window", "8d");
            assertThat(longWindow.exitCode()).isEqualTo(2);
            assertThat(longWindow.output()).contains("--replay-window must be between 0 (off) and 7d");

            // trigger mode keeps no slot at all, so no window
            Sidecar.Result sw = Sidecar.run(db.env(), "switch", "--to", "trigger");
            assertThat(sw.exitCode()).as(sw.output()).isZero();
            assertThat(db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")).isZero();
            Sidecar.Result none = Sidecar.run(db.env(), "replay", "--from-lsn", earliest);
            assertThat(none.exitCode()).as(none.output()).isEqualTo(7);
            assertThat(none.output()).contains("no replay window");
            assertThat(run.sigterm(10)).isZero();
        }
    }

    private static JsonNode json(Sidecar.Result r) throws Exception {
        assertThat(r.exitCode()).as(r.output()).isZero();
        // log lines go to stderr, in the same output; the report is the last object that starts a line
        String out = "\n" + r.output();
        int start = out.lastIndexOf("\n{");
        assertThat(start).as("a JSON object in:%n%s", r.output()).isGreaterThanOrEqualTo(0);
        return JSON.readTree(out.substring(start + 1));
    }

    private static String text(String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static OffsetDateTime now() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class);
        }
    }
}
