package dev.lookupkeeper.pipeline.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.PipelineStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint owner's decisions, without a database: which position a batch's transaction may
 * store when it settles or is held, what counts as stored (and so may be confirmed), and that a
 * held batch keeps both behind it while later batches apply. Storing and publishing are
 * PostgreSQL's (BatchApplierIT, BatchBoundaryCrashIT, SynchronousStandbyAwayIT).
 */
class CheckpointerTest {
    private static final Settings SETTINGS = new SettingsLoader(Map.of()).load(null, Map.of("slot", "lk_test"));

    private static Checkpointer<String> startedAt(long lsn) {
        Checkpointer<String> c = new Checkpointer<>(SETTINGS, "main", 0, new PipelineStats());
        c.startAt(lsn);
        return c;
    }

    @Test
    void aBatchThatSettlesStoresItsEndAndThatIsWhatMayBeConfirmed() {
        Checkpointer<String> c = startedAt(100);
        assertThat(c.stored()).isEqualTo(100);
        assertThat(c.ifApplied(200)).isEqualTo(200);
        c.applied(200);
        assertThat(c.stored()).isEqualTo(200);
        assertThat(c.settled()).isEqualTo(200);
        assertThat(c.holding()).isFalse();
        assertThat(c.storeDue()).isFalse();
    }

    @Test
    void aHeldBatchStoresThePositionBeforeItAndLaterBatchesCannotMovePastIt() {
        Checkpointer<String> c = startedAt(100);
        c.applied(200);
        assertThat(c.ifHeld()).isEqualTo(200);
        c.hold(300, 2, "rows of two transactions");
        assertThat(c.holding()).isTrue();
        assertThat(c.stored()).isEqualTo(200);
        assertThat(c.oldestHeldSinceMs()).isPositive();
        assertThat(c.held()).hasSize(1);
        assertThat(c.held().get(0).pending()).isEqualTo("rows of two transactions");
        // later batches apply in full, yet neither what they store nor what is confirmed passes the held one
        assertThat(c.ifApplied(400)).isEqualTo(200);
        c.applied(400);
        c.pass(450);
        assertThat(c.stored()).isEqualTo(200);
        assertThat(c.settled()).isEqualTo(200);
        assertThat(c.storeDue()).isFalse();
        assertThat(c.ifHeld()).isEqualTo(200);
    }

    @Test
    void positionsPassedWithNothingToApplyAreDueForStoringButNotStoredYet() {
        Checkpointer<String> c = startedAt(100);
        c.pass(180);
        assertThat(c.settled()).isEqualTo(180);
        assertThat(c.storeDue()).isTrue();
        assertThat(c.stored()).as("only a statement stores; confirming follows the stored position").isEqualTo(100);
    }

    @Test
    void unsignedLsnsCompareAsPositionsNotAsSignedNumbers() {
        long high = 0x8000_0000_0000_0000L; // past 2^63: negative as a signed long
        Checkpointer<String> c = startedAt(100);
        c.applied(high);
        assertThat(c.stored()).isEqualTo(high);
        c.applied(200); // older: never backwards
        assertThat(c.stored()).isEqualTo(high);
    }
}
