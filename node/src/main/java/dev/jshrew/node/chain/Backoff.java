package dev.jshrew.node.chain;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Exponential backoff for transient failures (METASHREW-ABI §8.2): the k-th retry (k = 1, 2, …) sleeps
 * {@code min(max, initial · 2^(k-1))} plus a deterministic jitter of up to a tenth of {@code initial}, derived from a
 * hash of (what, k). With the defaults (1 s, 16 s) that is about 1, 2, 4, 8, 16, 16, … s, as the original's 1, 2, 4,
 * 8 and 16 s. Unlike the original, which gives up after 5 attempts and then retries the height every second, the
 * node keeps the capped schedule for ever: it never skips a height. Immutable.
 *
 * @param initial the first delay
 * @param max the cap
 */
public record Backoff(Duration initial, Duration max) {
    /** 1 s doubling up to 16 s. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(16));

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, not " + initial + ", " + max);
        }
    }

    /** The same schedule starting at {@code initial} (capped at 16 initial delays, as 1 s → 16 s). */
    public static Backoff startingAt(Duration initial) {
        return new Backoff(initial, initial.multipliedBy(16));
    }

    /** The delay before retry number {@code attempt} (1-based) of {@code what}. */
    public Duration delay(String what, int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt " + attempt);
        }
        long initialMs = initial.toMillis();
        long base = attempt > 40 ? max.toMillis() : Math.min(max.toMillis(), initialMs << Math.min(attempt - 1, 40));
        long jitterRange = Math.max(1, initialMs / 10);
        int h = 17;
        for (byte b : what.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        h = 31 * h + attempt;
        long jitter = Math.floorMod(h * 0x9E3779B9, (int) Math.min(Integer.MAX_VALUE, jitterRange));
        return Duration.ofMillis(base + jitter);
    }

    /**
     * Calls {@code call} until it returns, sleeping {@link #delay} after each {@link SourceException} (logged as a
     * warning to {@code log}): transient failures are retried for ever, never skipped.
     *
     * @param stopped checked after a failure: when true, gives up with {@link InterruptedException}
     * @throws InterruptedException when stopped, or interrupted while sleeping
     */
    public <T> T retry(System.Logger log, String what, Supplier<T> call, BooleanSupplier stopped)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (SourceException e) {
                if (stopped.getAsBoolean()) {
                    throw new InterruptedException("stopped");
                }
                Duration wait = delay(what, attempt);
                log.log(
                        Level.WARNING,
                        "{0} failed (attempt {1}): {2}; retrying in {3,number,#} ms",
                        what,
                        attempt,
                        e.getMessage(),
                        wait.toMillis());
                Thread.sleep(wait.toMillis());
            }
        }
    }
}
