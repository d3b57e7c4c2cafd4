package dev.jshrew.node.progress;

import dev.jshrew.host.BlockResult;
import dev.jshrew.host.Hashes;
import dev.jshrew.node.sync.SyncListener;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long indexing runs. On a terminal: a progress bar (me.tongfei:progressbar) with the height, blocks/s
 * and the ETA, and the per-block lines only at FINE. Otherwise: the per-block log line and, every
 * {@code interval}, one line {@code progress: height H, N blocks, X blocks/s, R left, ETA …}. Called on the indexing
 * thread only.
 */
public abstract sealed class Progress implements SyncListener, AutoCloseable permits Progress.Log, Progress.Bar {
    private static final System.Logger LOG = System.getLogger("jshrew.index");

    /** Ends the display (a bar's last frame, nothing for log lines); never throws. */
    @Override
    public abstract void close();

    /** How progress is shown. */
    public enum Mode {
        AUTO,
        BAR,
        LOG,
        OFF
    }

    /**
     * @param mode {@code AUTO} picks {@code BAR} when stderr's console is a terminal
     */
    public static Progress create(Mode mode, PrintStream err, Duration interval) {
        Mode m = mode;
        if (m == Mode.AUTO) {
            m = System.console() != null && System.console().isTerminal() ? Mode.BAR : Mode.LOG;
        }
        return m == Mode.BAR ? new Bar(err) : new Log(m == Mode.LOG, interval);
    }

    static String blockLine(BlockResult r) {
        return String.format(
                Locale.ROOT,
                "indexed %d %s: %d keys, run %.1f ms, reset %.1f ms, commit %.1f ms, memory %d pages",
                r.height(),
                Hashes.hex(r.blockHash()),
                r.pairs(),
                r.runNanos() / 1e6,
                r.resetNanos() / 1e6,
                r.commitNanos() / 1e6,
                r.highWaterPages());
    }

    static String eta(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "unknown";
        }
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Plain log lines. */
    static final class Log extends Progress {
        private final boolean periodic;
        private final long intervalNanos;
        private long started;
        private long lastLine;
        private long done;

        Log(boolean periodic, Duration interval) {
            this.periodic = periodic;
            this.intervalNanos = interval.toNanos();
        }

        @Override
        public void starting(long from, long remaining) {
            started = System.nanoTime();
            lastLine = started;
        }

        @Override
        public void indexed(BlockResult result, long remaining) {
            done++;
            LOG.log(periodic ? Level.INFO : Level.DEBUG, blockLine(result));
            long now = System.nanoTime();
            if (periodic && now - lastLine >= intervalNanos) {
                lastLine = now;
                double rate = done / ((now - started) / 1e9);
                LOG.log(
                        Level.INFO,
                        String.format(
                                Locale.ROOT,
                                "progress: height %d, %d blocks, %.2f blocks/s, %s left, ETA %s",
                                result.height(),
                                done,
                                rate,
                                remaining < 0 ? "?" : Long.toString(remaining),
                                remaining < 0 ? "unknown" : eta(remaining / rate)));
            }
        }

        @Override
        public void close() {}
    }

    /** A terminal progress bar. */
    static final class Bar extends Progress {
        private final PrintStream err;
        private ProgressBar bar;
        private long done;

        Bar(PrintStream err) {
            this.err = err;
        }

        @Override
        public void starting(long from, long remaining) {
            bar = new ProgressBarBuilder()
                    .setTaskName("indexing")
                    .setInitialMax(Math.max(remaining, 0))
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(err))
                    .setUnit(" blocks", 1)
                    .showSpeed()
                    .build();
            bar.setExtraMessage(" from " + from);
        }

        @Override
        public void indexed(BlockResult result, long remaining) {
            LOG.log(Level.DEBUG, blockLine(result));
            if (bar == null) {
                starting(result.height(), remaining + 1);
            }
            done++;
            if (remaining >= 0) {
                bar.maxHint(done + remaining);
            }
            bar.stepTo(done);
            bar.setExtraMessage(" height " + result.height());
        }

        @Override
        public void reorg(long tip, long forkPoint) {
            if (bar != null) {
                bar.setExtraMessage(" reorg: rolled back " + tip + " → " + forkPoint);
            }
        }

        @Override
        public void finished(long tip) {
            close();
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
