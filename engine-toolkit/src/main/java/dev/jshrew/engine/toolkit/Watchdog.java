package dev.jshrew.engine.toolkit;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Call timeouts for engines ({@link dev.jshrew.api.engine.EngineCapability#CALL_TIMEOUT}): an {@link Alarm} runs an
 * engine's stop action (interrupt the calling thread, interrupt a polyglot context) once a call has run for its
 * timeout, unless the call disarms it first. One daemon timer thread serves every alarm of the process; the stop
 * action itself runs on a virtual thread, so an action that blocks (GraalWasm's {@code Context.interrupt} waits for
 * the guest to stop) never delays another alarm.
 *
 * <p>The guarantee engines build on: once {@link Alarm#close()} returns, the stop action is not running and will
 * never run, so it cannot reach the instance's next call.
 */
public final class Watchdog {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private Watchdog() {}

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(
                1, Thread.ofPlatform().name("jshrew-call-timeout").daemon().factory());
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /**
     * Arms an alarm that runs {@code stop} once, {@code timeout} from now, unless {@link Alarm#close() closed} first.
     *
     * @param timeout positive
     */
    public static Alarm arm(Duration timeout, Runnable stop) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        Alarm alarm = new Alarm(stop);
        alarm.future = TIMER.schedule(alarm::fire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return alarm;
    }

    /** One armed call. Not shared between calls. */
    public static final class Alarm implements AutoCloseable {
        private static final int ARMED = 0;
        private static final int FIRING = 1;
        private static final int FIRED = 2;
        private static final int DISARMED = 3;

        private final Runnable stop;
        private final AtomicInteger state = new AtomicInteger(ARMED);
        private volatile ScheduledFuture<?> future;

        private Alarm(Runnable stop) {
            this.stop = stop;
        }

        private void fire() {
            if (state.compareAndSet(ARMED, FIRING)) {
                Thread.ofVirtual().name("jshrew-call-timeout-stop").start(() -> {
                    try {
                        stop.run();
                    } finally {
                        synchronized (this) {
                            state.set(FIRED);
                            notifyAll();
                        }
                    }
                });
            }
        }

        /** Whether the timeout was reached (the stop action ran or is running). */
        public boolean fired() {
            int s = state.get();
            return s == FIRING || s == FIRED;
        }

        /**
         * Disarms the alarm; when it has already fired, waits (up to 60 s) for the stop action to finish. Keeps the
         * caller's interrupt status as it was when the wait ended.
         */
        @Override
        public void close() {
            if (state.compareAndSet(ARMED, DISARMED)) {
                ScheduledFuture<?> f = future;
                if (f != null) {
                    f.cancel(false);
                }
                return;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean interrupted = false;
            synchronized (this) {
                while (state.get() == FIRING && System.nanoTime() < deadline) {
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
