package dev.lookupkeeper.selection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.SettingsLoader;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Leases are written with the database's now(): the model reads the time as the database's clock shows it. */
class MemorySelectionClockTest {
    @Test
    void theModelsNowIsTheDatabasesClock() {
        MemorySelection m = new MemorySelection(new SettingsLoader(Map.of()).load(null, Map.of()));
        assertThat(Math.abs(m.databaseNowMicros() - nowMicros())).as("no offset measured yet").isLessThan(1_000_000);
        m.clockOffset(90_000); // the database's clock 90 s ahead of this process's
        assertThat(m.databaseNowMicros() - nowMicros()).isBetween(89_000_000L, 91_000_000L);
        m.clockOffset(-30_000);
        assertThat(m.databaseNowMicros() - nowMicros()).isBetween(-31_000_000L, -29_000_000L);
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
