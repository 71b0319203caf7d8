package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** -Dlk.rcvbuf: the kernel's buffer unless asked; a bad value named, never passed on to the driver. */
class ReplicationConnectorTest {
    @AfterEach
    void clear() {
        System.clearProperty("lk.rcvbuf");
    }

    @Test
    void noPropertyLeavesTheKernelsBuffer() {
        assertThat(ReplicationConnector.receiveBuffer()).isNull();
    }

    @Test
    void aByteCountIsTaken() {
        System.setProperty("lk.rcvbuf", " 65536 ");
        assertThat(ReplicationConnector.receiveBuffer()).isEqualTo(65536);
    }

    @Test
    void aBadValueIsRefusedWithWhatIsExpected() {
        System.setProperty("lk.rcvbuf", "64k");
        assertThatThrownBy(ReplicationConnector::receiveBuffer).hasMessageContaining("-Dlk.rcvbuf must be a byte count of at least 4096")
                .hasMessageContaining("'64k'");
        System.setProperty("lk.rcvbuf", "100");
        assertThatThrownBy(ReplicationConnector::receiveBuffer).hasMessageContaining("'100'");
    }
}
