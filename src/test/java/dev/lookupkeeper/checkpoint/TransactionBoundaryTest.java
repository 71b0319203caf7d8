package dev.lookupkeeper.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionBoundaryTest {
    /** A record: name and transaction id. */
    record R(String name, long tx) {}

    @Test
    void holdsBackTheLastTransactionUntilALaterOneArrives() {
        TransactionBoundary<R> b = new TransactionBoundary<>(R::tx);
        R a1 = new R("a1", 1), a2 = new R("a2", 1), b1 = new R("b1", 2), b2 = new R("b2", 2), c1 = new R("c1", 3);
        assertThat(b.complete(List.of(a1, a2, b1))).containsExactly(a1, a2);
        assertThat(b.pendingCount()).isEqualTo(1);
        // the batch ends inside transaction 2 again: nothing more is complete
        assertThat(b.complete(List.of(b2))).isEmpty();
        assertThat(b.complete(List.of(c1))).containsExactly(b1, b2);
        assertThat(b.pendingCount()).isEqualTo(1);
    }

    @Test
    void recordsOutsideTransactionsCompleteImmediately() {
        TransactionBoundary<R> b = new TransactionBoundary<>(R::tx);
        R a1 = new R("a1", 1), hb = new R("heartbeat", -1);
        assertThat(b.complete(List.of(a1, hb))).containsExactly(a1, hb);
        assertThat(b.pendingCount()).isZero();
    }

    @Test
    void emptyBatchKeepsPending() {
        TransactionBoundary<R> b = new TransactionBoundary<>(R::tx);
        R a1 = new R("a1", 1);
        assertThat(b.complete(List.of(a1))).isEmpty();
        assertThat(b.complete(List.of())).isEmpty();
        assertThat(b.pendingCount()).isEqualTo(1);
    }
}
