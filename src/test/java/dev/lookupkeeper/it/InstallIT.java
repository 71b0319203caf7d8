package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** install is idempotent, uses an existing lookup table as it is, and publishes only what it needs. */
class InstallIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void installTwiceCreatesThenFindsEverything() throws Exception {
        db.execute("DROP PUBLICATION IF EXISTS lookupkeeper_messages; DROP SCHEMA IF EXISTS lookupkeeper CASCADE;"
                + " DROP TABLE IF EXISTS queen.partition_lookup");
        Sidecar.Result first = Sidecar.run(db.env(), "install");
        assertThat(first.exitCode()).as(first.output()).isZero();
        assertThat(first.output()).contains("partition_lookup: created").contains("publication lookupkeeper_messages: created");
        Sidecar.Result second = Sidecar.run(db.env(), "install");
        assertThat(second.exitCode()).as(second.output()).isZero();
        assertThat(second.output()).contains("partition_lookup: exists").contains("publication lookupkeeper_messages: exists, correct");

        assertThat(db.queryLong("SELECT count(*) FROM pg_publication WHERE pubname = 'lookupkeeper_messages' AND pubinsert AND NOT pubupdate AND pubdelete AND pubtruncate"))
                .isEqualTo(1);
        if (db.queryLong("SELECT current_setting('server_version_num')::int") >= 150000) {
            assertThat(publishedColumns()).containsExactly("id", "partition_id", "created_at");
        }
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'partition_lookup' AND reloptions::text LIKE '%fillfactor=50%'"))
                .isEqualTo(1);
        assertThat(db.queryLong("SELECT count(*) FROM lookupkeeper.state")).isEqualTo(1);
    }

    @Test
    void lookupkeeperSessionsNeverWaitForASynchronousStandby() throws Exception {
        // every connection lookupkeeper opens (Database.connect, its pools) commits locally
        try (Connection c = dev.lookupkeeper.pg.Database.connect(db.connection(), "lookupkeeper-test");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("local");
        }
    }

    @Test
    void anExistingLookupTableIsUsedAsItIs() throws Exception {
        db.execute("DROP PUBLICATION IF EXISTS lookupkeeper_messages; DROP SCHEMA IF EXISTS lookupkeeper CASCADE;"
                + " DROP TABLE IF EXISTS queen.partition_lookup;"
                // the queue's 0.6.9 shape: three indexes, default fillfactor
                + " CREATE TABLE queen.partition_lookup (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
                + "  queue_name varchar(255) NOT NULL REFERENCES queen.queues(name) ON DELETE CASCADE,"
                + "  partition_id uuid NOT NULL REFERENCES queen.partitions(id) ON DELETE CASCADE,"
                + "  last_message_id uuid NOT NULL, last_message_created_at timestamptz NOT NULL,"
                + "  updated_at timestamptz DEFAULT now(), UNIQUE (queue_name, partition_id));"
                + " CREATE INDEX idx_pl_queue ON queen.partition_lookup (queue_name);"
                + " CREATE INDEX idx_pl_partition ON queen.partition_lookup (partition_id);"
                + " CREATE INDEX idx_pl_created ON queen.partition_lookup (last_message_created_at DESC);");
        long indexesBefore = db.queryLong("SELECT count(*) FROM pg_indexes WHERE tablename = 'partition_lookup'");
        Sidecar.Result r = Sidecar.run(db.env(), "install");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("partition_lookup: exists, used as it is");
        assertThat(db.queryLong("SELECT count(*) FROM pg_indexes WHERE tablename = 'partition_lookup'")).isEqualTo(indexesBefore);
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'partition_lookup' AND reloptions IS NULL")).isEqualTo(1);
    }

    /**
     * install, the preflight and verify judge the lookup table by one definition: a unique index
     * with an expression as a third key column is no ON CONFLICT (queue_name, partition_id) target
     * (PostgreSQL refuses the upsert) and both refuse it; the same key with an INCLUDE column is one,
     * and both accept it.
     */
    @Test
    void installAndVerifyAgreeOnTheLookupTablesKey() throws Exception {
        String table = "DROP PUBLICATION IF EXISTS lookupkeeper_messages; DROP SCHEMA IF EXISTS lookupkeeper CASCADE;"
                + " DROP TABLE IF EXISTS queen.partition_lookup;"
                + " CREATE TABLE queen.partition_lookup (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
                + "  queue_name varchar(255) NOT NULL, partition_id uuid NOT NULL,"
                + "  last_message_id uuid NOT NULL, last_message_created_at timestamptz NOT NULL, updated_at timestamptz DEFAULT now());";
        db.execute(table + " CREATE UNIQUE INDEX pl_key ON queen.partition_lookup (queue_name, partition_id, (lower(queue_name)))");
        String upsert = "INSERT INTO queen.partition_lookup (queue_name, partition_id, last_message_id, last_message_created_at)"
                + " VALUES ('q', gen_random_uuid(), gen_random_uuid(), now()) ON CONFLICT (queue_name, partition_id) DO NOTHING";
        assertThatThrownBy(() -> db.execute(upsert)).hasMessageContaining("no unique or exclusion constraint matching the ON CONFLICT");
        Sidecar.Result refused = Sidecar.run(db.env(), "install");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
        assertThat(refused.output()).contains("table queen.partition_lookup has no UNIQUE (queue_name, partition_id)");
        assertThat(uniqueKeyCheck()).isEqualTo("false: table queen.partition_lookup has no UNIQUE (queue_name, partition_id)"
                + " (exactly these key columns, not partial, not deferrable): the upserts need it as their ON CONFLICT target;"
                + " add it with ALTER TABLE queen.partition_lookup ADD UNIQUE (queue_name, partition_id)");

        db.execute(table + " CREATE UNIQUE INDEX pl_key ON queen.partition_lookup (queue_name, partition_id) INCLUDE (last_message_id)");
        db.execute(upsert);
        Sidecar.Result installed = Sidecar.run(db.env(), "install");
        assertThat(installed.exitCode()).as(installed.output()).isZero();
        assertThat(installed.output()).contains("partition_lookup: exists, used as it is");
        assertThat(uniqueKeyCheck()).isEqualTo("true: UNIQUE (queue_name, partition_id) present");
        db.execute("DELETE FROM queen.partition_lookup WHERE queue_name = 'q'");
    }

    /** verify's unique_key check as "passed: detail". */
    private static String uniqueKeyCheck() throws Exception {
        Sidecar.Result verify = Sidecar.run(db.env(), "verify", "--json", "--wait", "1s");
        JsonNode json = new ObjectMapper().readTree(verify.output().substring(verify.output().indexOf('{')));
        for (JsonNode check : json.get("checks")) {
            if (check.get("name").asText().equals("unique_key")) {
                return check.get("passed").asBoolean() + ": " + check.get("detail").asText();
            }
        }
        throw new AssertionError("no unique_key check in " + verify.output());
    }

    private static List<String> publishedColumns() throws Exception {
        List<String> cols = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT unnest(attnames) FROM pg_publication_tables WHERE pubname = 'lookupkeeper_messages' AND tablename = 'messages'")) {
            while (rs.next()) {
                cols.add(rs.getString(1));
            }
        }
        return cols;
    }
}
