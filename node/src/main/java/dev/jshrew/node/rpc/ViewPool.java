package dev.jshrew.node.rpc;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.host.ViewRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A fixed set of {@link ViewRunner}s, each with its own instance, lent to one request at a time: views and
 * previews never run on the indexing instance, and at most {@code size} run at once. All runners are created (and
 * their guest memory committed) up front, so a machine that cannot hold them fails at startup. Thread-safe.
 */
public final class ViewPool implements AutoCloseable {
    private final List<ViewRunner> all = new ArrayList<>();
    private final BlockingQueue<ViewRunner> idle;
    private final Duration wait;
    private long committedBytes;
    private final java.util.concurrent.atomic.AtomicInteger waiters = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param size how many runners
     * @param factory makes one runner (called {@code size} times, here)
     * @param wait how long a request waits for a free runner before it fails
     */
    public ViewPool(int size, Supplier<ViewRunner> factory, Duration wait) {
        if (size < 1) {
            throw new IllegalArgumentException("a view pool needs at least one runner");
        }
        this.idle = new ArrayBlockingQueue<>(size);
        this.wait = wait;
        try {
            for (int i = 0; i < size; i++) {
                ViewRunner runner = factory.get();
                all.add(runner);
                idle.add(runner);
                committedBytes += runner.memoryStats().committedBytes();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** How long a request waits for a free runner in {@code serve} before it fails. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

    /** No runner became free within the wait, or the caller stopped waiting. */
    public static final class Busy extends JshrewException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(ErrorCode.INPUT, message);
        }
    }

    /** Runs {@code call} on a free runner. */
    public <T> T with(Function<ViewRunner, T> call) {
        return with(call, () -> false);
    }

    /**
     * Runs {@code call} on a free runner.
     *
     * @param cancelled checked while waiting for a runner: once true, the call is not run ({@link Busy})
     */
    public <T> T with(Function<ViewRunner, T> call, BooleanSupplier cancelled) {
        ViewRunner runner = null;
        long deadline = System.nanoTime() + wait.toNanos();
        waiters.incrementAndGet();
        try {
            while (runner == null) {
                if (cancelled.getAsBoolean()) {
                    throw new Busy("the caller stopped waiting for a view instance");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new Busy("all " + all.size() + " view instances stayed busy for " + wait.toSeconds() + " s");
                }
                runner = idle.poll(Math.min(left, POLL_SLICE_NANOS), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JshrewException(ErrorCode.INPUT, "interrupted while waiting for a view instance", e);
        } finally {
            waiters.decrementAndGet();
        }
        try {
            return call.apply(runner);
        } finally {
            idle.add(runner);
        }
    }

    private static final long POLL_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Guest memory the runners committed at startup, in bytes (read once: runners are busy on other threads later). */
    public long committedBytes() {
        return committedBytes;
    }

    /** Runners lent out now (running a view or preview). */
    public int busy() {
        return all.size() - idle.size();
    }

    /** Requests waiting for a free runner now. */
    public int waiters() {
        return waiters.get();
    }

    public int size() {
        return all.size();
    }

    @Override
    public void close() {
        for (ViewRunner r : all) {
            r.close();
        }
    }
}
