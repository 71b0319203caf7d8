package dev.lookupkeeper.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.config.ConfigException;
import org.junit.jupiter.api.Test;

class LsnsTest {
    @Test
    void comparesAsPostgreSQLDoes() {
        assertThat(Lsns.parse("0/16B3748")).isEqualTo(0x16B3748L);
        assertThat(Lsns.parse("1/0")).isEqualTo(1L << 32);
        assertThat(Lsns.compare("0/FFFFFFFF", "1/0")).isNegative();
        assertThat(Lsns.compare("A/10", "A/F")).isPositive();
        assertThat(Lsns.compare("16/B374D848", "16/b374d848")).isZero();
        // the high half uses all 32 bits: compared unsigned
        assertThat(Lsns.compare("FFFFFFFF/0", "7FFFFFFF/0")).isPositive();
    }

    @Test
    void validatesTheTextForm() {
        assertThat(Lsns.validate("--from-lsn", "16/b374d848")).isEqualTo("16/B374D848");
        for (String bad : new String[] {"yesterday", "16B374D848", "0/", "/1", "1/2/3", "123456789/0", "", "0x1/0"}) {
            assertThatThrownBy(() -> Lsns.validate("--from-lsn", bad)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("--from-lsn").hasMessageContaining("not an LSN");
        }
        assertThatThrownBy(() -> Lsns.validate("--from-lsn", null)).isInstanceOf(ConfigException.class);
    }
}
