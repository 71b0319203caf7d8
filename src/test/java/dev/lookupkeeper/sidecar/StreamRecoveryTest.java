package dev.lookupkeeper.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.SettingsLoader;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamRecoveryTest {
    private final StreamRecovery recovery = new StreamRecovery(new SettingsLoader(Map.of("PGUSER", "keeper")).load(null, Map.of()), true);

    @Test
    void aLockTimeoutEndsTheStreamNotTheProcessAndCountsAsBlockedUntilABatchApplies() {
        long before = System.currentTimeMillis();
        SQLException lock = new SQLException("canceling statement due to lock timeout", "55P03");
        assertThat(recovery.reconnect(new RuntimeException("apply failed", lock))).as("reconnected").isTrue();
        long since = recovery.lockBlockedSinceMs(0);
        assertThat(since).isBetween(before, System.currentTimeMillis());
        assertThat(recovery.reconnect(lock)).isTrue();
        assertThat(recovery.lockBlockedSinceMs(since)).as("a second failure keeps the first one's time").isEqualTo(since);
        assertThat(recovery.lockBlockedSinceMs(since + 1)).as("a batch applied after it ends the spell").isZero();
        assertThat(recovery.lockBlockedSinceMs(0)).isZero();
    }

    @Test
    void otherFailuresAreNotLockWaits() {
        assertThat(recovery.reconnect(new SQLException("connection refused", "08001"))).isTrue();
        assertThat(recovery.reconnect(new IOException("reset"))).isTrue();
        assertThat(recovery.lockBlockedSinceMs(0)).isZero();
        assertThat(recovery.reconnect(new SQLException("syntax", "42601"))).as("a bug is not retried").isFalse();
        assertThat(recovery.reconnect(null)).isFalse();
    }
}
