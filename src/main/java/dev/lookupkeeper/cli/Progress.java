package dev.lookupkeeper.cli;

import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Progress over partitions (backfill, rebuild): a bar on a terminal, a log line every 10% otherwise. */
final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private Progress() {}

    static Bootstrapper.ProgressSink forTerminal(String task) {
        if (System.console() != null) {
            return new Bootstrapper.ProgressSink() {
                private ProgressBar bar;

                public void start(long total, long done) {
                    bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                            .setUnit(" partitions", 1).build();
                    bar.stepTo(done);
                }

                public void step(long done) {
                    bar.stepTo(done);
                }

                public void finish() {
                    if (bar != null) {
                        bar.close();
                    }
                }
            };
        }
        return new Bootstrapper.ProgressSink() {
            private long total;
            private long nextReport;
            private long last = -1;
            private long reported = -1;

            public void start(long t, long done) {
                total = t;
                nextReport = done;
                step(done);
            }

            public void step(long done) {
                last = done;
                if (done >= nextReport) {
                    report();
                    nextReport = done + Math.max(1, total / 10);
                }
            }

            public void finish() {
                if (last != reported) {
                    report();
                }
            }

            private void report() {
                LOG.info("{}: {} of {} partitions done", task, last, total);
                reported = last;
            }
        };
    }
}
