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
    void aLockTimeoutEndsTheStreamNotTheProcessAndTheSpellLastsUntilAStreamRunsPastIt() {
        long before = System.currentTimeMillis();
        SQLException lock = new SQLException("canceling statement due to lock timeout", "55P03");
        assertThat(recovery.reconnect(new RuntimeException("apply failed", lock))).as("reconnected").isTrue();
        long since = recovery.lockBlockedSinceMs();
        assertThat(since).isBetween(before, System.currentTimeMillis());
        // restarted, streaming for less than the spell's end, failing again: the spell keeps its start
        recovery.streaming(since + 100, true);
        recovery.streaming(since + 100 + StreamRecovery.LOCK_SPELL_OVER_MS - 1, true);
        assertThat(recovery.lockBlockedSinceMs()).isEqualTo(since);
        recovery.streaming(since + 5_000, false);
        assertThat(recovery.reconnect(lock)).isTrue();
        assertThat(recovery.lockBlockedSinceMs()).as("a second failure keeps the first one's time").isEqualTo(since);
        // a restarted stream that runs past the spell's end is past the lock
        recovery.streaming(since + 6_000, true);
        recovery.streaming(since + 6_000 + StreamRecovery.LOCK_SPELL_OVER_MS, true);
        assertThat(recovery.lockBlockedSinceMs()).isZero();
    }

    @Test
    void aProcessThatStopsStreamingForGoodEndsItsSpell() {
        assertThat(recovery.reconnect(new SQLException("lock timeout", "55P03"))).isTrue();
        assertThat(recovery.lockBlockedSinceMs()).isPositive();
        recovery.stoppedStreaming();
        assertThat(recovery.lockBlockedSinceMs()).isZero();
    }

    @Test
    void otherFailuresAreNotLockWaits() {
        assertThat(recovery.reconnect(new SQLException("connection refused", "08001"))).isTrue();
        assertThat(recovery.reconnect(new IOException("reset"))).isTrue();
        assertThat(recovery.lockBlockedSinceMs()).isZero();
        assertThat(recovery.reconnect(new SQLException("syntax", "42601"))).as("a bug is not retried").isFalse();
        assertThat(recovery.reconnect(null)).isFalse();
    }
}
