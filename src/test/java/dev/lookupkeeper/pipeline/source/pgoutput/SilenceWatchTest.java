package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** When a silent replication connection is asked for a reply, and when it is given up as dead. */
class SilenceWatchTest {
    private static final long S = 1_000_000_000L;
    /** Status interval 5 s, silence bound 15 s (the least bound), started at t = 100 s. */
    private final SilenceWatch watch = new SilenceWatch(5 * S, 15 * S, 100 * S);

    @Test
    void asksOnceAfterAStatusIntervalOfSilence() throws SQLException {
        assertThat(watch.askNow(104 * S)).isFalse();
        assertThat(watch.askNow(105 * S)).isTrue();
        assertThat(watch.askNow(106 * S)).as("asked already in this silence").isFalse();
        assertThat(watch.askNow(114 * S)).isFalse();
    }

    @Test
    void deadOnlyWhenTheQuestionWentUnansweredForTheBoundLessOneInterval() throws SQLException {
        assertThat(watch.askNow(105 * S)).isTrue();
        assertThat(watch.askNow(115 * S - 1)).as("silent for less than the bound").isFalse();
        assertThatThrownBy(() -> watch.askNow(115 * S)).as("silent for the bound, asked 10 s ago").isInstanceOf(SQLException.class)
                .hasMessageContaining("no answer from the server").hasMessageContaining("15 s")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08006"));
    }

    @Test
    void aReaderBusyElsewhereAsksBeforeItJudges() throws SQLException {
        // nobody looked for 40 s (a long apply): the silence is past the bound, but nothing was asked yet
        assertThat(watch.askNow(140 * S)).isTrue();
        assertThat(watch.askNow(149 * S)).isFalse();
        assertThatThrownBy(() -> watch.askNow(150 * S)).isInstanceOf(SQLException.class);
    }

    @Test
    void anyFrameEndsTheSilenceAndTheQuestion() throws SQLException {
        assertThat(watch.askNow(105 * S)).isTrue();
        watch.heard(112 * S);
        assertThat(watch.askNow(130 * S)).as("18 s after the answer: asked anew, not judged").isTrue();
        assertThat(watch.askNow(140 * S - 1)).isFalse();
        assertThatThrownBy(() -> watch.askNow(140 * S)).isInstanceOf(SQLException.class);
    }

    @Test
    void theBoundMustBeLongerThanTheInterval() {
        assertThatIllegalArgumentException().isThrownBy(() -> new SilenceWatch(5 * S, 5 * S, 0));
    }

    /** The silence bound outlasts half the server's wal_sender_timeout, and never falls below 15 s. */
    @Test
    void theBoundFollowsTheServersTimeout() {
        assertThat(SilenceWatch.bound(60_000)).isEqualTo(java.time.Duration.ofSeconds(35));
        assertThat(SilenceWatch.bound(20_000)).isEqualTo(java.time.Duration.ofSeconds(15));
        assertThat(SilenceWatch.bound(0)).isEqualTo(java.time.Duration.ofSeconds(15));
    }
}
