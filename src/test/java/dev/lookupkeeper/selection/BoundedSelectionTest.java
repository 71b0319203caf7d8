package dev.lookupkeeper.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BoundedSelectionTest {
    private static final List<PartitionSelector.Candidate> ONE = List.of(new PartitionSelector.Candidate(UUID.randomUUID(), "p"));

    @Test
    void theSameQuestionWithinTheCacheTimeIsAnsweredOnce() throws Exception {
        AtomicInteger queries = new AtomicInteger();
        BoundedSelection b = new BoundedSelection((q, g, l) -> {
            queries.incrementAndGet();
            return ONE;
        }, 60_000, 2, 1000);
        for (int i = 0; i < 50; i++) {
            assertThat(b.candidates("q", null, 10)).isEqualTo(ONE);
        }
        assertThat(queries).hasValue(1);
        b.candidates("q", "g", 10);
        b.candidates("q", null, 11);
        assertThat(queries).as("another group or limit is another question").hasValue(3);
    }

    @Test
    void atMostTheBoundRunsAtOnceAndTheRestIsRefused() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        BoundedSelection b = new BoundedSelection((q, g, l) -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new SQLException(e);
            }
            running.decrementAndGet();
            return ONE;
        }, 0, 2, 300);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> a = pool.submit(() -> b.candidates("a", null, 1));
            Future<?> c = pool.submit(() -> b.candidates("c", null, 1));
            Thread.sleep(200);
            assertThatThrownBy(() -> b.candidates("d", null, 1)).isInstanceOf(BoundedSelection.BusyException.class)
                    .hasMessageContaining("retry");
            release.countDown();
            a.get();
            c.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(most).hasValue(2);
    }

    @Test
    void failuresAreNotRemembered() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BoundedSelection b = new BoundedSelection((q, g, l) -> {
            if (calls.incrementAndGet() == 1) {
                throw new SQLException("connection reset");
            }
            return ONE;
        }, 60_000, 2, 1000);
        assertThatThrownBy(() -> b.candidates("q", null, 1)).isInstanceOf(SQLException.class).hasMessageContaining("reset");
        assertThat(b.candidates("q", null, 1)).isEqualTo(ONE);
    }
}
