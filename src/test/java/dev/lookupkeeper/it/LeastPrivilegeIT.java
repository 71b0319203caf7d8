package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** install as the owner, then the sidecar runs as the role from sql/roles/lookupkeeper_role.sql. */
class LeastPrivilegeIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void sidecarRunsAsTheLeastPrivilegeRole() throws Exception {
        List<UUID> partitions = db.createQueues("lp", 1, 100);
        Sidecar.Result install = Sidecar.run(db.env(), "install");
        assertThat(install.exitCode()).as(install.output()).isZero();
        db.execute(Files.readString(Path.of("sql/roles/lookupkeeper_role.sql")));
        db.execute("ALTER ROLE lookupkeeper PASSWORD 'lp-secret-77'");
        assertThat(db.queryLong("SELECT count(*) FROM pg_roles WHERE rolname = 'lookupkeeper' AND rolreplication AND NOT rolsuper")).isEqualTo(1);

        Map<String, String> env = new HashMap<>(db.env());
        env.put("PGUSER", "lookupkeeper");
        env.put("PGPASSWORD", "lp-secret-77");
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 500, 5, 0, 8)).start();
             Sidecar sidecar = Sidecar.start(env, "run")) {
            sidecar.awaitStreaming();
            Thread.sleep(2000);
            load.close();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            Sidecar.Result verify = Sidecar.run(env, "verify");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(sidecar.sigterm(10)).isZero();
            assertThat(sidecar.output()).doesNotContain("lp-secret-77");
        }

        // strict's commit level for the queue's role: this role may not set it, so install prints the statement
        db.execute("DO $$BEGIN CREATE ROLE queen_app_lp LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$");
        Sidecar.Result denied = Sidecar.run(env, "install", "--consistency", "strict", "--queue-role", "queen_app_lp");
        assertThat(denied.output()).contains("this role may not change that")
                .contains("ALTER ROLE \"queen_app_lp\" IN DATABASE \"" + db.name() + "\" SET synchronous_commit = remote_apply;");
        assertThat(db.queryLong("SELECT count(*) FROM pg_db_role_setting WHERE setrole = 'queen_app_lp'::regrole")).isZero();
        Sidecar.Result granted = Sidecar.run(db.env(), "install", "--consistency", "strict", "--queue-role", "queen_app_lp");
        assertThat(granted.exitCode()).as(granted.output()).isZero();
        assertThat(granted.output()).contains("SET synchronous_commit = remote_apply: done");
        Sidecar.Result status = Sidecar.run(env, "status", "--json");
        com.fasterxml.jackson.databind.JsonNode levels = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.output())
                .at("/consistency/queue_commit");
        assertThat(levels.toString()).as(status.output())
                .contains("{\"scope\":\"role queen_app_lp in database\",\"synchronous_commit\":\"remote_apply\"}");
    }

    /**
     * A role with LOGIN and nothing else, against an installed database: every command names all
     * it lacks in one line before its first query of lookupkeeper's schema (which would otherwise
     * fail with "permission denied for schema lookupkeeper" and name nothing else), exits with the
     * "cannot run" code and writes nothing.
     */
    @Test
    void aRoleWithoutRightsIsToldAllItLacksByEveryCommand() throws Exception {
        db.createQueues("bare", 1, 3);
        Sidecar.Result install = Sidecar.run(db.env(), "install");
        assertThat(install.exitCode()).as(install.output()).isZero();
        db.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bare') THEN"
                + " CREATE ROLE bare LOGIN PASSWORD 'bare-secret-31'; END IF; END $$");
        Map<String, String> env = new HashMap<>(db.env());
        env.put("PGUSER", "bare");
        env.put("PGPASSWORD", "bare-secret-31");
        String before = writtenState();

        Sidecar.Result run = Sidecar.run(env, "run");
        assertRefused(run, 3, "role 'bare' cannot run lookupkeeper: it lacks REPLICATION (to read a slot: ALTER ROLE bare REPLICATION);"
                + " USAGE on schema queen; SELECT on queen.messages, queen.partition_consumers, queen.partitions, queen.queues;"
                + " SELECT, INSERT, UPDATE, DELETE on queen.partition_lookup; USAGE on schema lookupkeeper;"
                + " SELECT, INSERT, UPDATE, DELETE on lookupkeeper.instances, lookupkeeper.replay_marks, lookupkeeper.shadow_lookup,"
                + " lookupkeeper.source_offsets, lookupkeeper.state, lookupkeeper.streams, lookupkeeper.watermark"
                + " (grant what is missing as sql/roles/lookupkeeper_role.sql does)");
        for (String[] command : List.of(new String[] {"switch", "--to", "trigger"}, new String[] {"replay", "--from-lsn", "0/0"})) {
            assertRefused(Sidecar.run(env, command), 3, "lookupkeeper " + command[0]
                    + ": role 'bare' cannot run lookupkeeper: it lacks REPLICATION (to read a slot: ALTER ROLE bare REPLICATION); USAGE on schema queen;");
        }
        for (String command : List.of("resync", "rebuild")) {
            Sidecar.Result r = Sidecar.run(env, command);
            assertRefused(r, 3, "lookupkeeper " + command + ": role 'bare' cannot run lookupkeeper: it lacks USAGE on schema queen;");
            assertThat(r.output()).contains("USAGE on schema lookupkeeper; SELECT, INSERT, UPDATE, DELETE on lookupkeeper.instances").doesNotContain("REPLICATION");
        }
        // verify's "cannot run" is exit 2 (1 is a failed check)
        Sidecar.Result verify = Sidecar.run(env, "verify");
        assertRefused(verify, 2, "cannot run: role 'bare' cannot run lookupkeeper: it lacks USAGE on schema queen;");
        assertThat(verify.output()).contains("USAGE on schema lookupkeeper;");
        // status reads only: it names no write privilege
        Sidecar.Result status = Sidecar.run(env, "status");
        assertRefused(status, 3, "role 'bare' cannot run lookupkeeper: it lacks USAGE on schema queen;"
                + " SELECT on queen.messages, queen.partition_consumers, queen.partitions, queen.queues, queen.partition_lookup;"
                + " USAGE on schema lookupkeeper; SELECT on lookupkeeper.instances,");
        // select reads the queue's tables alone
        Sidecar.Result select = Sidecar.run(env, "select", "--queue", "bare-0");
        assertRefused(select, 3, "role 'bare' cannot run lookupkeeper: it lacks USAGE on schema queen;"
                + " SELECT on queen.messages, queen.partition_consumers, queen.partitions, queen.queues, queen.partition_lookup"
                + " (grant what is missing");
        // uninstall drops what install made: it needs their ownership, all named before anything goes
        Sidecar.Result uninstall = Sidecar.run(env, "uninstall", "--drop-table");
        assertRefused(uninstall, 3, "role 'bare' cannot uninstall lookupkeeper: it lacks ownership of schema lookupkeeper;"
                + " ownership of publication lookupkeeper_messages");
        assertThat(uninstall.output()).contains("ownership of table queen.partition_lookup")
                .contains("(run uninstall as the role that ran install, or a superuser)");
        assertThat(writtenState()).as("nothing written by any refused command").isEqualTo(before);
    }

    private static void assertRefused(Sidecar.Result r, int exitCode, String line) {
        assertThat(r.exitCode()).as(r.output()).isEqualTo(exitCode);
        List<String> errorLines = r.output().lines().filter(l -> l.startsWith("lookupkeeper ")).toList();
        assertThat(errorLines).as(r.output()).hasSize(1);
        assertThat(errorLines.get(0)).contains(line);
        assertThat(r.output()).doesNotContain("permission denied").doesNotContain("\tat ").doesNotContain("bare-secret-31");
    }

    /** What a command that got past its checks would change: lookupkeeper's rows, the lookup, slots, the trigger. */
    private static String writtenState() throws Exception {
        String sql = "SELECT concat_ws(' | ',"
                + " (SELECT row_to_json(s)::text FROM lookupkeeper.state s),"
                + " (SELECT string_agg(row_to_json(t)::text, ',' ORDER BY stream) FROM lookupkeeper.streams t),"
                + " (SELECT count(*) FROM lookupkeeper.instances), (SELECT count(*) FROM lookupkeeper.watermark),"
                + " (SELECT count(*) FROM lookupkeeper.replay_marks), (SELECT count(*) FROM queen.partition_lookup),"
                + " (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE database = current_database()),"
                + " (SELECT count(*) FROM pg_trigger WHERE tgname = 'lookupkeeper_partition_lookup'))";
        try (Connection c = Database.connect(db.connection(), "tests"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
