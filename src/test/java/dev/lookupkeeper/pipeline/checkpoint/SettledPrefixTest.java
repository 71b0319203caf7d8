package dev.lookupkeeper.pipeline.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SettledPrefixTest {

    @Test
    void withNothingHeldTheSettledPositionFollowsWhatWasPassed() {
        SettledPrefix<String> p = new SettledPrefix<>(100);
        assertThat(p.settled()).isEqualTo(100);
        assertThat(p.settledIfApplied(150)).isEqualTo(150);
        p.pass(150);
        p.pass(120); // never backwards
        assertThat(p.settled()).isEqualTo(150);
        assertThat(p.holding()).isFalse();
        assertThat(p.oldestSinceMs()).isZero();
    }

    @Test
    void aHeldBatchKeepsTheSettledPositionBeforeItWhileLaterBatchesPass() {
        SettledPrefix<String> p = new SettledPrefix<>(100);
        p.pass(200);
        SettledPrefix.Held<String> h = p.hold(300, 2, "rows", 5_000);
        assertThat(h.from()).isEqualTo(200);
        assertThat(h.to()).isEqualTo(300);
        assertThat(p.settled()).isEqualTo(200);
        // later batches apply and pass, but cannot move the settled position past the held one
        assertThat(p.settledIfApplied(400)).isEqualTo(200);
        p.pass(400);
        p.pass(500);
        assertThat(p.settled()).isEqualTo(200);
        assertThat(p.passed()).isEqualTo(500);
        assertThat(p.heldTransactions()).isEqualTo(2);
        assertThat(p.oldestSinceMs()).isEqualTo(5_000);
        assertThat(p.settle(h)).isTrue();
        assertThat(p.settled()).isEqualTo(500);
        assertThat(p.holding()).isFalse();
    }

    @Test
    void theOldestHeldBatchDecidesEvenWhenAYoungerOneSettlesFirst() {
        SettledPrefix<String> p = new SettledPrefix<>(0);
        p.pass(10);
        SettledPrefix.Held<String> first = p.hold(20, 1, "a", 1);
        p.pass(30);
        SettledPrefix.Held<String> second = p.hold(40, 3, "b", 2);
        p.pass(50);
        assertThat(second.from()).isEqualTo(30);
        assertThat(p.settle(second)).isFalse(); // the older one still holds the position at 10
        assertThat(p.settled()).isEqualTo(10);
        assertThat(p.heldTransactions()).isEqualTo(1);
        assertThat(p.settle(first)).isTrue();
        assertThat(p.settled()).isEqualTo(50);
    }

    @Test
    void settlingTheOlderOfTwoMovesOnlyToTheYoungerOnesStart() {
        SettledPrefix<String> p = new SettledPrefix<>(0);
        SettledPrefix.Held<String> first = p.hold(20, 1, "a", 1);
        p.pass(30);
        p.hold(40, 1, "b", 2);
        p.pass(60);
        assertThat(p.settle(first)).isTrue();
        assertThat(p.settled()).isEqualTo(30);
        assertThat(p.oldestSinceMs()).isEqualTo(2);
    }

    @Test
    void settlingTwiceChangesNothingAndPendingWorkCanShrink() {
        SettledPrefix<String> p = new SettledPrefix<>(0);
        SettledPrefix.Held<String> h = p.hold(20, 1, "two rows", 1);
        p.stillPending(h, "one row");
        assertThat(p.held()).singleElement().satisfies(x -> assertThat(x.pending()).isEqualTo("one row"));
        assertThat(p.settle(h)).isTrue();
        assertThat(p.settle(h)).isFalse();
        assertThat(p.settled()).isEqualTo(20);
    }

    @Test
    void positionsCompareUnsigned() {
        long high = 0x8000_0000_0000_0010L; // above Long.MAX_VALUE as an unsigned LSN
        SettledPrefix<String> p = new SettledPrefix<>(0x7000_0000_0000_0000L);
        p.pass(high);
        assertThat(p.settled()).isEqualTo(high);
        SettledPrefix.Held<String> h = p.hold(high + 10, 1, "x", 1);
        assertThat(h.from()).isEqualTo(high);
        p.pass(0x7000_0000_0000_0001L);
        assertThat(p.passed()).isEqualTo(high + 10);
    }
}
