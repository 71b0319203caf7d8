package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's first command stays true: demo runs on its embedded PostgreSQL and verify passes. */
class DemoIT {
    @Test
    void demoRunsEndToEndAndVerifies() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        boolean passed = new Demo(4, 100, 1000, 3, new PrintStream(buf, true, StandardCharsets.UTF_8)).run();
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(passed).as(out).isTrue();
        assertThat(out).contains("3 queues x 100 partitions")
                .contains("verify: PASS")
                .contains("first selection candidates of queue demo-0")
                .containsPattern("\\[  4s\\] written +\\d+ msg/s \\| applied +\\d+ ev/s \\| lag p50 +\\d+ ms p99 +\\d+ ms");
    }
}
