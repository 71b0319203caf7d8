package dev.lookupkeeper.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class QueueCommitLevelTest {
    private static QueueCommitLevel.Setting s(String scope, String value) {
        return new QueueCommitLevel.Setting(scope, value);
    }

    @Test
    void theServersLevelOptsOutOnlyWhereTheDatabaseSetsNothing() {
        assertThat(QueueCommitLevel.optingOut(List.of(s("server", "off")))).containsExactly(s("server", "off"));
        assertThat(QueueCommitLevel.optingOut(List.of(s("database", "remote_apply"), s("server", "off")))).isEmpty();
        assertThat(QueueCommitLevel.optingOut(List.of(s("role queen", "local"), s("database", "remote_apply"), s("server", "local"))))
                .containsExactly(s("role queen", "local"));
        assertThat(QueueCommitLevel.optingOut(List.of(s("role queen in database", "off"), s("server", "on"))))
                .containsExactly(s("role queen in database", "off"));
        assertThat(QueueCommitLevel.optingOut(List.of(s("database", "local")))).containsExactly(s("database", "local"));
        assertThat(QueueCommitLevel.optingOut(List.of(s("server", "remote_apply"), s("role x", "on")))).isEmpty();
    }

    @Test
    void describedMostSpecificFirst() {
        assertThat(QueueCommitLevel.describe(List.of(s("database", "remote_apply"), s("server", "on"))))
                .isEqualTo("remote_apply (database); on (server)");
        assertThat(QueueCommitLevel.describe(List.of())).isEqualTo("the server's setting (postgresql.conf; on unless changed)");
    }
}
