package dev.lookupkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BacklogTest {

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void sidecarBacklogIsCommittedLessAppliedAndCaughtUpOnceAppliedReachesWhatWasCommitted() throws Exception {
        AtomicLong committed = new AtomicLong(1_000);
        AtomicLong applied = new AtomicLong(400);
        Backlog b = Backlog.ofSidecar(committed::get, applied::get, () -> true);
        assertThat(b.size()).isEqualTo(600);
        applied.set(1_200); // strict applies before its client hears the commit: never negative
        assertThat(b.size()).isZero();

        applied.set(400);
        Thread catchUp = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            committed.set(5_000); // committed after the wait began: not waited for
            applied.set(1_000);
        });
        catchUp.start();
        double seconds = b.awaitCaughtUp();
        assertThat(seconds).isGreaterThanOrEqualTo(0.09).isLessThan(5.0);
        catchUp.join();
    }

    @Test
    void aSidecarThatStopsStreamingWhileCatchingUpFailsTheWait() {
        Backlog b = Backlog.ofSidecar(() -> 10, () -> 3, () -> false);
        assertThatThrownBy(b::awaitCaughtUp).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopped streaming").hasMessageContaining("3 of 10");
    }
}
