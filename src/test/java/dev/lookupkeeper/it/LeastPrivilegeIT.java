package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
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
    }
}
