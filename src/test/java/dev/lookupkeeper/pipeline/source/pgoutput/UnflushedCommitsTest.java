package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bookkeeping of asynchronous lookup commits: bounded by a later statement, proved by a server position past the bound. */
class UnflushedCommitsTest {

    @Test
    void aBatchIsProvedOnlyOnceALaterStatementBoundedItAndTheServerSentAPositionPastThat() {
        UnflushedCommits u = new UnflushedCommits();
        u.add(200, 0);
        assertThat(u.takeProved(-2L)).as("unbounded: not even the greatest position proves it").isZero();
        u.bound(250);
        u.add(300, 10);
        assertThat(u.takeProved(249)).isZero();
        assertThat(u.takeProved(250)).isEqualTo(200);
        assertThat(u.size()).as("the second waits for a bound of its own").isEqualTo(1);
        assertThat(u.newestEnd(0)).isEqualTo(300);
        assertThat(u.oldestAgeNanos(1_010)).isEqualTo(1_000);
        u.bound(350);
        assertThat(u.takeProved(400)).isEqualTo(300);
        assertThat(u.isEmpty()).isTrue();
        assertThat(u.oldestAgeNanos(5_000)).isZero();
    }

    @Test
    void aFlushTakesEveryBatchBoundedOrNot() {
        UnflushedCommits u = new UnflushedCommits();
        u.add(200, 0);
        u.bound(250);
        u.add(300, 0);
        assertThat(u.takeAll()).isEqualTo(300);
        assertThat(u.isEmpty()).isTrue();
        assertThat(u.takeAll()).isZero();
        assertThat(u.newestEnd(42)).isEqualTo(42);
    }
}
