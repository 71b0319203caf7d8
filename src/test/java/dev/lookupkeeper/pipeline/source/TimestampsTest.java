package dev.lookupkeeper.pipeline.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void agreesWithJavaTimeOnEveryShape() {
        Random r = new Random(3);
        for (int i = 0; i < 20_000; i++) {
            long micros = (long) (r.nextDouble() * 4_000_000_000_000_000L) - 1_000_000_000_000_000L;
            Instant t = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
            String iso = t.toString(); // drops trailing zeros: 0, 3 or 6 fraction digits
            assertThat(Timestamps.micros(iso)).as(iso).isEqualTo(micros);
        }
        assertThat(Timestamps.micros("2026-11-27T04:26:14.1Z")).isEqualTo(1795753574100000L);
        assertThat(Timestamps.micros("2026-11-27T04:26:14.123456789Z")).isEqualTo(1795753574123456L);
        assertThat(Timestamps.micros("2026-11-27T05:26:14.123456+01:00")).isEqualTo(1795753574123456L);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> Timestamps.micros("2026-13-27T04:26:14Z")).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> Timestamps.micros("yesterday")).isInstanceOf(RuntimeException.class);
    }
}
