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
    void refusesWhatIsNotADurationNamingTheOption() {
        assertThatThrownBy(() -> Durations.parse("--replay-window", "15")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--replay-window").hasMessageContaining("needs a unit");
        assertThatThrownBy(() -> Durations.parse("--replay-window", "soon")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("--replay-window", null)).isInstanceOf(ConfigException.class);
    }
}
