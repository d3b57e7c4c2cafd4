package dev.jshrew.engine.toolkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WatchdogTest {
    @Test
    void anAlarmClosedInTimeNeverRunsItsStopAction() throws Exception {
        AtomicInteger stops = new AtomicInteger();
        for (int i = 0; i < 200; i++) {
            try (Watchdog.Alarm alarm = Watchdog.arm(Duration.ofMillis(300), stops::incrementAndGet)) {
                assertThat(alarm.fired()).isFalse();
            }
        }
        Thread.sleep(500);
        assertThat(stops).hasValue(0);
    }

    @Test
    void anAlarmLeftOpenRunsItsStopActionOnceAfterTheTimeout() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicInteger stops = new AtomicInteger();
        long start = System.nanoTime();
        Watchdog.Alarm alarm = Watchdog.arm(Duration.ofMillis(100), () -> {
            stops.incrementAndGet();
            stopped.countDown();
        });
        assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(alarm.fired()).isTrue();
        alarm.close();
        Thread.sleep(200);
        assertThat(stops).hasValue(1);
    }

    @Test
    void closeWaitsForARunningStopActionSoItCannotReachTheNextCall() throws Exception {
        CountDownLatch inStop = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        Watchdog.Alarm alarm = Watchdog.arm(Duration.ofMillis(10), () -> {
            inStop.countDown();
            try {
                Thread.sleep(400);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            finished.incrementAndGet();
        });
        assertThat(inStop.await(30, TimeUnit.SECONDS)).isTrue();
        alarm.close();
        assertThat(finished)
                .as("the stop action had finished when close returned")
                .hasValue(1);
    }

    @Test
    void aStopActionThatInterruptsTheCallerLeavesTheInterruptForTheCallerToClear() throws Exception {
        Thread caller = Thread.currentThread();
        Watchdog.Alarm alarm = Watchdog.arm(Duration.ofMillis(20), caller::interrupt);
        assertThatThrownBy(() -> Thread.sleep(30_000)).isInstanceOf(InterruptedException.class);
        alarm.close();
        assertThat(alarm.fired()).isTrue();
        Thread.interrupted();
        assertThatThrownBy(() -> Watchdog.arm(Duration.ZERO, () -> {})).isInstanceOf(IllegalArgumentException.class);
    }
}
