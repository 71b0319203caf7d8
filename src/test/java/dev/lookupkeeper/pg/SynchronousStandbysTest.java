package dev.lookupkeeper.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SynchronousStandbysTest {
    @Test
    void readsEveryFormOfTheSetting() {
        assertThat(SynchronousStandbys.names("")).isEmpty();
        assertThat(SynchronousStandbys.names(null)).isEmpty();
        assertThat(SynchronousStandbys.names("\"lookupkeeper\"")).containsExactly("lookupkeeper");
        assertThat(SynchronousStandbys.names("lookupkeeper")).containsExactly("lookupkeeper");
        assertThat(SynchronousStandbys.names("FIRST 1 (s1, \"LK\")")).containsExactly("s1", "LK");
        assertThat(SynchronousStandbys.names("ANY 2 (a,b , c)")).containsExactly("a", "b", "c");
        assertThat(SynchronousStandbys.names("Standby1, standby2")).containsExactly("standby1", "standby2");
        assertThat(SynchronousStandbys.names("*")).containsExactly("*");
    }

    @Test
    void theValueItSetsIsOneQuotedValidatedName() {
        assertThat(SynchronousStandbys.valueFor("lookupkeeper")).isEqualTo("\"lookupkeeper\"");
        assertThat(SynchronousStandbys.names(SynchronousStandbys.valueFor("lk_1"))).isEqualTo(List.of("lk_1"));
        assertThatThrownBy(() -> SynchronousStandbys.valueFor("x'; DROP")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--application-name");
    }

    @Test
    void grantStatementsQuoteTheRole() {
        assertThat(SynchronousStandbys.grantStatements("look\"up")).containsExactly(
                "GRANT ALTER SYSTEM ON PARAMETER synchronous_standby_names TO \"look\"\"up\";",
                "GRANT EXECUTE ON FUNCTION pg_reload_conf() TO \"look\"\"up\";");
    }
}
