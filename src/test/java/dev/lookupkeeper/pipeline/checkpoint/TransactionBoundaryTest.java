package dev.lookupkeeper.pipeline.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionBoundaryTest {
    /** A record: name and transaction id. */
    record R(String name, long tx) {}

    @Test
    void marksTheLastRecordOfTheNewestCompleteTransaction() {
        TransactionBoundary<R> b = new TransactionBoundary<>(R::tx);
        R a1 = new R("a1", 1), a2 = new R("a2", 1), b1 = new R("b1", 2), b2 = new R("b2", 2), c1 = new R("c1", 3);
        assertThat(b.complete(List.of(a1, a2, b1))).isEqualTo(a2);
        assertThat(b.holdsBack()).isTrue();
        // the batch ends inside transaction 2 again: nothing more is complete
        assertThat(b.complete(List.of(b2))).isNull();
        // transaction 2 completes when 3 starts; its last record came in an earlier batch
        assertThat(b.complete(List.of(c1))).isEqualTo(b2);
    }

    @Test
    void aTransactionSpanningManyBatchesIsMarkedOnlyAfterItEnds() {
        TransactionBoundary<R> b = new TransactionBoundary<>(R::tx);
        assertThat(b.complete(List.of(new R("a1", 1), new R("a2", 1)))).isNull();
        assertThat(b.complete(List.of(new R("a3", 1), new R("a4", 1)))).isNull();
        R a5 = new R("a5", 1);
        assertThat(b.complete(List.of(a5))).isNull();
        assertThat(b.complete(List.of(new R("b1", 2), new R("b2", 2)))).isEqualTo(a5);
    }

    @Test
    void recordsOutsideTransactionsCompleteImmediately() {
        TransactionBoundary<R> b = new TransactionBoundary<>(R::tx);
        R a1 = new R("a1", 1), hb = new R("heartbeat", -1);
        assertThat(b.complete(List.of(a1, hb))).isEqualTo(hb);
        assertThat(b.holdsBack()).isFalse();
    }

    @Test
    void emptyBatchMarksNothing() {
        TransactionBoundary<R> b = new TransactionBoundary<>(R::tx);
        assertThat(b.complete(List.of(new R("a1", 1)))).isNull();
        assertThat(b.complete(List.of())).isNull();
        assertThat(b.holdsBack()).isTrue();
    }
}
