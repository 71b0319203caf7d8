package dev.lookupkeeper.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DeferredChangesTest {
    private static final UUID P1 = new UUID(0, 1);
    private static final UUID P2 = new UUID(0, 2);

    @Test
    void heldRowsRideAlongAndTheNewerRowWins() {
        DeferredChanges held = new DeferredChanges();
        assertThat(held.isEmpty()).isTrue();
        LatestMessage old1 = new LatestMessage(P1, new UUID(1, 1), 100);
        LatestMessage row2 = new LatestMessage(P2, new UUID(1, 2), 100);
        held.holdRows(List.of(old1, row2), List.of(P1, P2));
        assertThat(held.isEmpty()).isFalse();

        LatestMessage new1 = new LatestMessage(P1, new UUID(1, 3), 200);
        List<LatestMessage> merged = held.withRows(List.of(new1));
        assertThat(merged).containsExactly(new1, row2);
        assertThat(held.isEmpty()).as("taking them empties the held rows").isTrue();

        // an older batch row does not replace a newer held one
        held.holdRows(List.of(new1), List.of(P1));
        assertThat(held.withRows(List.of(old1))).containsExactly(new1);
    }

    @Test
    void onlyTheBusyPartitionsAreHeld() {
        DeferredChanges held = new DeferredChanges();
        LatestMessage a = new LatestMessage(P1, new UUID(1, 1), 1);
        LatestMessage b = new LatestMessage(P2, new UUID(1, 2), 1);
        held.holdRows(List.of(a, b), List.of(P2));
        assertThat(held.withRows(List.of())).containsExactly(b);
    }

    @Test
    void deletedIdsAndSweepsAreHeldToo() {
        DeferredChanges held = new DeferredChanges();
        UUID gone = new UUID(9, 9);
        held.holdDeleted(List.of(gone));
        held.holdSweep();
        assertThat(held.size()).isEqualTo(2);
        assertThat(held.withDeleted(List.of(new UUID(8, 8)))).containsExactly(gone, new UUID(8, 8));
        assertThat(held.withSweep(false)).isTrue();
        assertThat(held.withSweep(false)).isFalse();
        assertThat(held.isEmpty()).isTrue();
    }
}
