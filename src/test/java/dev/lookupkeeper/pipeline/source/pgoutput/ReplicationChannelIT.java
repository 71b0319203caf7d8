package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.ConnectionSettings;
import dev.lookupkeeper.core.Lsns;
import dev.lookupkeeper.testing.ChaosProxy;
import dev.lookupkeeper.testing.PgDatabase;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sidecar's own replication protocol against a real walsender: XLogData decoded from the
 * frames, binary and text values that decode alike, and status updates whose three positions the
 * server takes as given — write and apply (what pg_stat_replication shows) move with "visible",
 * flush and the slot's confirmed position only with "durable".
 */
class ReplicationChannelIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase(false);

    @BeforeAll
    static void table() throws SQLException {
        db.execute("CREATE TABLE public.rc (id uuid PRIMARY KEY, at timestamptz, n bigint, s int, t text)");
        db.execute("CREATE PUBLICATION rc_pub FOR TABLE public.rc");
    }

    /** One decoded row: the values as the decoder's accessors read them. */
    record Row(UUID id, long atMicros, long n, long s, String t) {}

    /** Collects rows and the last commit's end. */
    static final class Collector implements ChangeListener {
        final List<Row> rows = new ArrayList<>();
        long commitEnd;

        @Override
        public void begin(long finalLsn, long commitTimeMs, int xid) {}

        @Override
        public void relation(Relation r) {}

        @Override
        public void insert(Relation r, TupleView row) {
            rows.add(new Row(row.uuid(0), row.timestampMicros(1), row.int64(2), row.int64(3), row.text(4)));
        }

        @Override
        public void update(Relation r, TupleView row) {}

        @Override
        public void delete(Relation r, TupleView key) {}

        @Override
        public void truncate(Relation[] relations) {}

        @Override
        public void message(boolean transactional, long lsn, String prefix, ByteBuffer content) {}

        @Override
        public void commit(long commitLsn, long endLsn, long commitTimeMs) {
            commitEnd = endLsn;
        }
    }

    @Test
    void binaryAndTextDecodeAlikeAndTheServerTakesVisibleAndDurableApart() throws Exception {
        db.execute("SELECT pg_create_logical_replication_slot('rc_binary', 'pgoutput')");
        db.execute("SELECT pg_create_logical_replication_slot('rc_text', 'pgoutput')");
        long start = Lsns.parse(db.queryText("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'rc_binary'"));
        db.execute("INSERT INTO public.rc VALUES ('0190f0e8-7c4a-7b3e-9a1d-4f5e6a7b8c9d', '2026-12-06 10:11:12.345678+00', 9000000000, -7, 'zwölf'),"
                + " ('00000000-0000-0000-0000-000000000001', NULL, NULL, NULL, NULL)");

        Collector binary = new Collector();
        Collector text = new Collector();
        ReplicationConnector connector = new ReplicationConnector(db.connection(), "rc-test");
        try (Connection tc = connector.open()) {
            ReplicationChannel tch = ReplicationChannel.start(tc, new StreamRequest("rc_text", List.of("rc_pub"), 0, false, false),
                    Duration.ofSeconds(10), false);
            readOneTransaction(tch, text);
        }
        try (Connection c = connector.open()) {
            // strict's channel: write is what was reported visible, not what was received
            ReplicationChannel ch = ReplicationChannel.start(c, new StreamRequest("rc_binary", List.of("rc_pub"), 0, false, true),
                    Duration.ofSeconds(10), false);
            readOneTransaction(ch, binary);
            assertThat(binary.rows).hasSize(2).isEqualTo(text.rows);
            Row first = binary.rows.get(0);
            assertThat(first.id()).isEqualTo(UUID.fromString("0190f0e8-7c4a-7b3e-9a1d-4f5e6a7b8c9d"));
            assertThat(first.atMicros()).isEqualTo(java.time.Instant.parse("2026-12-06T10:11:12.345678Z").getEpochSecond() * 1_000_000 + 345_678);
            assertThat(first.n()).isEqualTo(9_000_000_000L);
            assertThat(first.s()).isEqualTo(-7);
            assertThat(first.t()).isEqualTo("zwölf");
            assertThat(binary.rows.get(1).atMicros()).isEqualTo(Long.MIN_VALUE);
            assertThat(Long.compareUnsigned(ch.lastReceived(), start)).isPositive();

            long end = binary.commitEnd;
            ch.report(end, start, false); // visible, not durable yet
            awaitPositions(end, start);
            assertThat(Lsns.parse(db.queryText("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'rc_binary'")))
                    .as("the slot follows flush only").isEqualTo(start);
            ch.report(end, end, false);
            awaitPositions(end, end);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Lsns.parse(db.queryText(
                    "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'rc_binary'")) == end);
            long poll = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                assertThat(ch.read(ReplicationChannel.Wait.NONE)).as("a poll of an empty socket").isNull();
            }
            // pgjdbc's own poll waits up to 1 ms on an empty socket each time: 100 of them take 100 ms or more
            assertThat((System.nanoTime() - poll) / 1_000_000).as("100 polls of an empty socket, ms").isLessThan(50);
            assertThat(ch.ended()).isFalse();
        }
        db.execute("SELECT pg_drop_replication_slot('rc_binary')");
        db.execute("SELECT pg_drop_replication_slot('rc_text')");
    }

    /**
     * An idle stream whose server stays silent past the status interval is asked for a reply and
     * answers, so it lives on past the silence bound; once the connection goes dark (no byte, no
     * reset), a blocking read fails as a lost connection within the bound and a status interval.
     */
    @Test
    void aSilentServerIsAskedForAReplyAndADarkConnectionFails() throws Exception {
        db.execute("SELECT pg_create_logical_replication_slot('rc_dark', 'pgoutput')");
        try (ChaosProxy proxy = new ChaosProxy(db.connection().host(), db.connection().port())) {
            ConnectionSettings via = through(proxy);
            try (Connection c = new ReplicationConnector(via, "rc-dark").open()) {
                Duration interval = Duration.ofMillis(500);
                Duration bound = Duration.ofSeconds(2);
                ReplicationChannel ch = ReplicationChannel.start(c, new StreamRequest("rc_dark", List.of("rc_pub"), 0, false, false),
                        interval, bound, true);
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos(); // well past the bound: the server answers each ask
                while (System.nanoTime() < until) {
                    ch.read(ReplicationChannel.Wait.BLOCK);
                    ch.keepAlive();
                }
                assertThat(ch.ended()).isFalse();
                assertThat(proxy.darken()).isEqualTo(1);
                long darkAt = System.nanoTime();
                SQLException failure = null;
                while (failure == null && System.nanoTime() - darkAt < Duration.ofSeconds(10).toNanos()) {
                    try {
                        ch.read(ReplicationChannel.Wait.BLOCK);
                        ch.keepAlive();
                    } catch (SQLException e) {
                        failure = e;
                    }
                }
                long tookMs = (System.nanoTime() - darkAt) / 1_000_000;
                assertThat((Throwable) failure).as("a dark connection fails the read").isNotNull();
                assertThat(failure.getSQLState()).isEqualTo("08006");
                assertThat(failure.getMessage()).contains("no answer from the server");
                // silence counts from the last frame heard, up to a status interval before the connection went dark
                assertThat(tookMs).as("within the silence bound and one status interval").isBetween(bound.minus(interval).toMillis() - 100,
                        bound.plus(interval).toMillis() + 300);
                c.abort(Runnable::run);
            }
        } finally {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> db.queryLong(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'rc_dark' AND active_pid IS NOT NULL") == 0
                    || terminateHolder("rc_dark"));
            db.execute("SELECT pg_drop_replication_slot('rc_dark')");
        }
    }

    /** A connection closed under the stream (a FIN, no message) ends a blocking read at once as a lost connection: no spinning. */
    @Test
    void aClosedConnectionEndsTheReadAtOnce() throws Exception {
        db.execute("SELECT pg_create_logical_replication_slot('rc_closed', 'pgoutput')");
        try (ChaosProxy proxy = new ChaosProxy(db.connection().host(), db.connection().port())) {
            ConnectionSettings via = through(proxy);
            try (Connection c = new ReplicationConnector(via, "rc-closed").open()) {
                ReplicationChannel ch = ReplicationChannel.start(c, new StreamRequest("rc_closed", List.of("rc_pub"), 0, false, false),
                        Duration.ofSeconds(5), Duration.ofSeconds(15), true);
                ch.read(ReplicationChannel.Wait.NONE);
                proxy.cut();
                long cutAt = System.nanoTime();
                SQLException failure = null;
                int reads = 0;
                while (failure == null && System.nanoTime() - cutAt < Duration.ofSeconds(10).toNanos()) {
                    try {
                        ch.read(ReplicationChannel.Wait.BLOCK);
                        reads++;
                    } catch (SQLException e) {
                        failure = e;
                    }
                }
                assertThat((Throwable) failure).as("a closed connection fails the read").isNotNull();
                assertThat(failure.getSQLState()).startsWith("08");
                assertThat((System.nanoTime() - cutAt) / 1_000_000).as("at once, not after a status interval").isLessThan(2_000);
                assertThat(reads).as("no empty reads in a loop").isLessThan(3);
            }
        } finally {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> db.queryLong(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'rc_closed' AND active_pid IS NOT NULL") == 0);
            db.execute("SELECT pg_drop_replication_slot('rc_closed')");
        }
    }

    /** The test database's connection, through the proxy. */
    private static ConnectionSettings through(ChaosProxy proxy) {
        return new ConnectionSettings("127.0.0.1", proxy.port(), db.connection().database(), db.connection().user(),
                db.connection().password(), db.connection().sslMode());
    }

    /** Ends the walsender of a dark connection (its server side would wait for wal_sender_timeout). */
    private static boolean terminateHolder(String slot) throws SQLException {
        db.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active_pid IS NOT NULL");
        return false;
    }

    private static void readOneTransaction(ReplicationChannel ch, Collector into) throws SQLException {
        PgOutputDecoder decoder = new PgOutputDecoder();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (into.commitEnd == 0) {
            assertThat(System.nanoTime()).as("a transaction within 20 s").isLessThan(deadline);
            ByteBuffer m = ch.read(ReplicationChannel.Wait.BLOCK);
            assertThat(ch.ended()).isFalse();
            if (m != null) {
                decoder.decode(m, into);
            }
        }
    }

    /** pg_stat_replication: write and replay follow what was reported visible, flush what was reported durable. */
    private static void awaitPositions(long visible, long durable) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (Connection c = db.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT write_lsn::text, flush_lsn::text, replay_lsn::text FROM pg_stat_replication"
                         + " WHERE application_name = 'rc-test'")) {
                assertThat(rs.next()).isTrue();
                assertThat(Lsns.parse(rs.getString(1))).isEqualTo(visible);
                assertThat(Lsns.parse(rs.getString(2))).isEqualTo(durable);
                assertThat(Lsns.parse(rs.getString(3))).isEqualTo(visible);
            }
        });
    }
}
