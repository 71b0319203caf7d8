package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecvLogicalTest {

    @Test
    void commandNamesSlotPublicationAndDatabaseButNoCredentials() {
        List<String> cmd = RecvLogical.command(Path.of("/opt/pg/bin/pg_recvlogical"), "queen", "bench_steady_x", "lookupkeeper_pub");
        assertThat(cmd.get(0)).isEqualTo("/opt/pg/bin/pg_recvlogical");
        assertThat(cmd).containsSubsequence("--dbname", "queen")
                .containsSubsequence("--slot", "bench_steady_x")
                .containsSubsequence("--option", "publication_names=lookupkeeper_pub")
                .containsSubsequence("--file", "/dev/null")
                .contains("--start", "--no-loop");
        // the connection's user, host and password travel in the child's libpq environment only
        assertThat(String.join(" ", cmd)).doesNotContainIgnoringCase("password").doesNotContain("host=").doesNotContain("user=");
    }
}
