package dev.lookupkeeper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void readsTheFormsOperatorsWrite() {
        assertThat(Durations.parse("--x", "0")).isZero();
        assertThat(Durations.parse("--x", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("--x", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("--x", " 15m ")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("--x", "2H")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("--x", "1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("--x", "PT1H30M")).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void aBareNumberIsInTheOptionsUnit() {
        assertThat(Durations.parse("--duration", "20")).isEqualTo(Duration.ofSeconds(20));
        assertThat(Durations.parse("--heartbeat-ms", "250", java.time.temporal.ChronoUnit.MILLIS)).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("--heartbeat-ms", "2s", java.time.temporal.ChronoUnit.MILLIS)).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> Durations.atLeast("--timeout", "500ms", Duration.ofSeconds(1))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--timeout").hasMessageContaining("at least 1s");
        assertThat(Durations.describe(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.describe(Duration.ofMinutes(15))).isEqualTo("15m");
    }

    @Test
    void refusesWhatIsNotADurationNamingTheOption() {
        assertThatThrownBy(() -> Durations.parse("--replay-window", "soon")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("--replay-window", null)).isInstanceOf(ConfigException.class);
    }
}
