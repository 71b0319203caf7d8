package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The Standby Status Update the reader writes: each position in its own field, the reply flag only when asked. */
class StatusFrameTest {

    @Test
    void writeFlushAndApplyTravelApartAndNoReplyIsAskedForUnlessWanted() {
        ByteBuffer frame = ByteBuffer.allocate(34);
        long millis2000 = 946_684_800_000L; // 2000-01-01T00:00:00Z: the protocol's clock starts there
        ReplicationChannel.statusFrame(frame, 0x30L, 0x10L, 0x20L, millis2000 + 1_500, false);
        assertThat(frame.position()).isEqualTo(34);
        ByteBuffer read = ByteBuffer.wrap(frame.array());
        assertThat((char) read.get()).isEqualTo('r');
        assertThat(read.getLong()).as("write").isEqualTo(0x30L);
        assertThat(read.getLong()).as("flush").isEqualTo(0x10L);
        assertThat(read.getLong()).as("apply").isEqualTo(0x20L);
        assertThat(read.getLong()).as("microseconds since 2000-01-01").isEqualTo(1_500_000L);
        assertThat(read.get()).as("reply requested").isZero();

        ReplicationChannel.statusFrame(frame, 0x30L, 0x10L, 0x20L, millis2000, true);
        assertThat(frame.get(33)).as("reply requested when asked").isEqualTo((byte) 1);
    }
}
