package dev.lookupkeeper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {
    @ParameterizedTest
    @ValueSource(strings = {"lookupkeeper", "lk_1", "_x", "a23456789012345678901234567890123456789012345678901234567890123"})
    void acceptsSimpleNames(String name) {
        assertThat(Identifiers.validate("--slot", name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1abc", "Upper", "with-dash", "semi;colon", "a\"b", "sp ace", "x'); DROP TABLE t; --",
            "a234567890123456789012345678901234567890123456789012345678901234"})
    void rejectsEverythingElseNamingTheOption(String name) {
        assertThatThrownBy(() -> Identifiers.validate("--slot", name))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--slot");
    }

    @Test
    void quotesWithDoubleQuotes() {
        assertThat(Identifiers.quote("lookupkeeper")).isEqualTo("\"lookupkeeper\"");
        assertThat(Identifiers.quote("a\"b")).isEqualTo("\"a\"\"b\"");
    }

    @Test
    void nullIsRejected() {
        assertThatThrownBy(() -> Identifiers.validate("--schema", null)).isInstanceOf(ConfigException.class);
    }
}
