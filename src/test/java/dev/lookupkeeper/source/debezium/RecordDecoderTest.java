package dev.lookupkeeper.source.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecordDecoderTest {
    @Test
    void timestampsConvertToExactMicroseconds() {
        assertThat(RecordDecoder.micros("1970-01-01T00:00:00.000001Z")).isEqualTo(1L);
        assertThat(RecordDecoder.micros("2026-11-27T04:26:14.123456Z")).isEqualTo(1795753574123456L);
        assertThat(RecordDecoder.micros("1969-12-31T23:59:59.999999Z")).isEqualTo(-1L);
    }

    @Test
    void lsnIsRenderedLikePostgres() {
        assertThat(RecordDecoder.lsnText(0x16B3748L)).isEqualTo("0/16B3748");
        assertThat(RecordDecoder.lsnText((3L << 32) | 0xABCL)).isEqualTo("3/ABC");
    }
}
