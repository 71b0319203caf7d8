package dev.lookupkeeper.source.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.source.MalformedEventException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Shapes of JsonConverter output (the real ones are exercised against a broker in KafkaModeIT). */
class DebeziumJsonDecoderTest {
    private final DebeziumJsonDecoder decoder = new DebeziumJsonDecoder();
    private static final String ENVELOPE = "{\"before\":null,\"after\":{\"id\":\"0196f0a0-0000-7000-8000-000000000001\","
            + "\"partition_id\":\"00000000-0000-0000-0000-00000000000a\",\"created_at\":\"2026-11-27T04:26:14.123456Z\"},"
            + "\"source\":{\"version\":\"3.6.1.Final\",\"ts_ms\":1795753574200,\"lsn\":123},\"op\":\"%s\",\"ts_ms\":1795753574300}";

    private DebeziumJsonDecoder.Result decode(String json) {
        return decoder.decode(json == null ? null : json.getBytes(StandardCharsets.UTF_8), "t/0/7");
    }

    @Test
    void readsInsertsWithAndWithoutSchemas() {
        for (String json : new String[] {ENVELOPE.formatted("c"), "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"op\"}]},\"payload\":"
                + ENVELOPE.formatted("r") + "}"}) {
            DebeziumJsonDecoder.Result r = decode(json);
            assertThat(r).isInstanceOf(DebeziumJsonDecoder.Insert.class);
            var m = ((DebeziumJsonDecoder.Insert) r).message();
            assertThat(m.createdAtMicros()).isEqualTo(1795753574123456L);
            assertThat(m.commitTimeMs()).isEqualTo(1795753574200L);
            assertThat(m.partitionId().toString()).endsWith("00a");
            assertThat(m.position()).isEqualTo("t/0/7");
        }
    }

    @Test
    void skipsTombstonesUpdatesAndDeletes() {
        assertThat(decode(null)).isInstanceOf(DebeziumJsonDecoder.Ignored.class);
        assertThat(decode("{\"schema\":null,\"payload\":null}")).isInstanceOf(DebeziumJsonDecoder.Ignored.class);
        assertThat(decode(ENVELOPE.formatted("u"))).isInstanceOf(DebeziumJsonDecoder.Ignored.class);
        assertThat(decode(ENVELOPE.formatted("d"))).isInstanceOf(DebeziumJsonDecoder.Ignored.class);
    }

    @Test
    void malformedRecordsNameTheirPosition() {
        for (String bad : new String[] {"{\"not\": \"an event\"}", "[1,2]", "{\"op\":\"c\"}", "{\"op\":\"c\",\"after\":{\"partition_id\":\"x\"}}",
                "{\"op\":\"c\",\"after\":{\"id\":\"nope\",\"partition_id\":\"nope\",\"created_at\":\"yesterday\"}}", "{\"op\":\"z\"}", "{oops"}) {
            assertThatThrownBy(() -> decode(bad)).as(bad).isInstanceOf(MalformedEventException.class).hasMessageContaining("t/0/7");
        }
    }
}
