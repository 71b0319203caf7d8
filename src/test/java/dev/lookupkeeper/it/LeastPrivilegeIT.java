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
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class LeastPrivilegeIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    /**
     * The README's least-privilege section, step by step: the role script run with psql before
     * install stops at once and says why; install as the owner; the script (password from the
     * environment, so it never shows in `ps`); then every command the script's header says works
     * does, as the role, and switch says in one line that it needs the owner and records nothing.
     */
    @Test
    @org.junit.jupiter.api.Order(1) // first: it starts before install, on a database without lookupkeeper's schema
    void sidecarRunsAsTheLeastPrivilegeRole() throws Exception {
        List<UUID> partitions = db.createQueues("lp", 1, 100);
        Psql early = psql(Map.of("LOOKUPKEEPER_ROLE_PASSWORD", "lp-secret-77"), "-f", "sql/roles/lookupkeeper_role.sql");
        assertThat(early.exitCode()).as(early.output()).isEqualTo(3);
        assertThat(early.output()).contains("schema lookupkeeper is missing: run \"lookupkeeper install\" as the tables' owner first")
                .doesNotContain("GRANT");
        Sidecar.Result install = Sidecar.run(db.env(), "install");
        assertThat(install.exitCode()).as(install.output()).isZero();
        Psql script = psql(Map.of("LOOKUPKEEPER_ROLE_PASSWORD", "lp-secret-77"), "-f", "sql/roles/lookupkeeper_role.sql");
        assertThat(script.exitCode()).as(script.output()).isZero();
        assertThat(script.output()).contains("password of role lookupkeeper set").doesNotContain("ERROR");
        assertThat(db.queryLong("SELECT count(*) FROM pg_roles WHERE rolname = 'lookupkeeper' AND rolreplication AND rolcanlogin AND NOT rolsuper")).isEqualTo(1);

        Map<String, String> env = new HashMap<>(db.env());
        env.put("PGUSER", "lookupkeeper");
        env.put("PGPASSWORD", "lp-secret-77");
        try (PushLoad load = new PushLoad(db.connection(), partitions, new PushLoad.Options(2, 500, 5, 0, 8)).start();
             Sidecar sidecar = Sidecar.start(env, "run")) {
            sidecar.awaitStreaming();
            Thread.sleep(2000);
            load.close();
            db.awaitLookupEqualsOracle(Duration.ofSeconds(60));
            for (String[] command : new String[][] {{"verify"}, {"status"}, {"select", "--queue", "lp-0"}, {"resync"}, {"rebuild"},
                    {"replay", "--from-time", java.time.Instant.now().minusSeconds(1).toString()}}) {
                Sidecar.Result r = Sidecar.run(env, command);
                assertThat(r.exitCode()).as(String.join(" ", command) + " as the role:\n" + r.output()).isZero();
                assertThat(r.output()).doesNotContain("lp-secret-77").doesNotContain("permission denied");
            }
            String switchState = "SELECT concat_ws(' | ', mode, switch_target, switch_step, switch_started_at,"
                    + " (SELECT count(*) FROM pg_trigger WHERE tgname = 'lookupkeeper_partition_lookup')) FROM lookupkeeper.state";
            String before = db.queryText(switchState);
            Sidecar.Result sw = Sidecar.run(env, "switch", "--to", "trigger");
            assertRefused(sw, 3, "lookupkeeper switch: role 'lookupkeeper' cannot switch modes: it lacks ownership of table queen.messages");
            assertThat(sw.output()).contains("run switch as the tables' owner");
            assertThat(db.queryText(switchState)).as("a refused switch records no step").isEqualTo(before);
            assertThat(Sidecar.run(env, "status").output()).contains("switch:       none");
            assertThat(sidecar.sigterm(10)).isZero();
            assertThat(sidecar.output()).doesNotContain("lp-secret-77");
        }
        db.assertLookupEqualsOracle();

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
        Sidecar.Result uninstall = Sidecar.run(db.env(), "uninstall"); // the next test starts from a plain install
        assertThat(uninstall.exitCode()).as(uninstall.output()).isZero();
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

    record Psql(int exitCode, String output) {}

    /** psql (the machine's, as an operator would run it) against the test database, as its owner. */
    private static Psql psql(Map<String, String> extraEnv, String... args) throws Exception {
        String psql = psqlBinary();
        List<String> cmd = new java.util.ArrayList<>(List.of(psql, "-X", "-q"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(db.env());
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new Psql(p.exitValue(), out);
    }

    private static String psqlBinary() throws Exception {
        String bin = System.getenv("PG_BIN");
        if (bin != null && Files.isExecutable(Path.of(bin, "psql"))) {
            return Path.of(bin, "psql").toString();
        }
        try (var dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
            return dirs.map(d -> d.resolve("bin/psql")).filter(Files::isExecutable).sorted(java.util.Comparator.reverseOrder())
                    .findFirst().map(Path::toString).orElse("psql");
        } catch (java.io.IOException e) {
            return "psql";
        }
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
