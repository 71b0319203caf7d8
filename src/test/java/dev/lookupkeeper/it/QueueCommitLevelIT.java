package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.pg.Database;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What `status` shows of the queue's commit level: the server's own (here set with ALTER SYSTEM to
 * a level nobody else uses) while nothing in the database overrides it, and the database's setting
 * alone once that hides it — never lookupkeeper's own `local`.
 */
class QueueCommitLevelIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void resetServer() throws Exception {
        db.execute("ALTER SYSTEM RESET synchronous_commit");
        db.execute("SELECT pg_reload_conf()");
    }

    @Test
    void theServersLevelShowsUntilTheDatabaseSetsItsOwn() throws Exception {
        assertThat(Sidecar.run(db.env(), "install").exitCode()).isZero();
        db.execute("ALTER SYSTEM SET synchronous_commit = 'remote_write'");
        db.execute("SELECT pg_reload_conf()");
        assumeTrue(waitForPlainSessionLevel("remote_write"),
                "the server's command line sets synchronous_commit, which ALTER SYSTEM cannot change here");

        JsonNode levels = queueCommit();
        assertThat(levels.size()).as(levels.toString()).isEqualTo(1);
        assertThat(levels.get(0).get("scope").asText()).isEqualTo("server");
        assertThat(levels.get(0).get("synchronous_commit").asText()).isEqualTo("remote_write");

        db.execute("ALTER DATABASE \"" + db.name() + "\" SET synchronous_commit = remote_apply");
        try {
            levels = queueCommit();
            assertThat(levels.toString()).as("the database's setting hides the server's")
                    .isEqualTo("[{\"scope\":\"database\",\"synchronous_commit\":\"remote_apply\"}]");
        } finally {
            db.execute("ALTER DATABASE \"" + db.name() + "\" RESET synchronous_commit");
        }
    }

    private static JsonNode queueCommit() throws Exception {
        Sidecar.Result status = Sidecar.run(db.env(), "status", "--json");
        return JSON.readTree(status.output()).at("/consistency/queue_commit");
    }

    /** Whether a new session without lookupkeeper's settings gets {@code level} within 5 s (the reload is asynchronous). */
    private static boolean waitForPlainSessionLevel(String level) throws Exception {
        long until = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < until) {
            try (Connection c = Database.connectAsQueueClient(db.connection(), "tests");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
                rs.next();
                if (level.equals(rs.getString(1))) {
                    return true;
                }
            }
            Thread.sleep(50);
        }
        return false;
    }
}
