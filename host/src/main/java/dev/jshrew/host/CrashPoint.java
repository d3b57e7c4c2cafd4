package dev.jshrew.host;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Test-only fault injection for crash-safety tests: with {@code -Djshrew.test.crashAt=PHASE:HEIGHT[,PHASE:HEIGHT…]}
 * the process announces {@code jshrew-test: crash point PHASE:HEIGHT} on stderr when it reaches a listed point and
 * then stops there (parks the thread that reached it), so the test can kill it with SIGKILL at exactly that point.
 * If nobody kills it within {@value #PARK_SECONDS} s it halts itself ({@link Runtime#halt}, status 134): no shutdown
 * hook, no cleanup, as after a SIGKILL.
 *
 * <p>Phases: {@code run} (pristine instance ready, before {@code _start}), {@code flush} (inside the guest's
 * {@code __flush}, i.e. in the middle of block execution), {@code commit} (the block's writes and root are computed,
 * before the storage commit), {@code committed} (after the commit), and in the node {@code rollback} / {@code
 * rolledback} (around a reorg's rollback). Without the property every call is one read of a constant.
 */
public final class CrashPoint {
    /** The system property that arms crash points. */
    public static final String PROPERTY = "jshrew.test.crashAt";

    private static final int PARK_SECONDS = 120;
    private static final Set<String> POINTS = parse(System.getProperty(PROPERTY));

    private CrashPoint() {}

    private static Set<String> parse(String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        return Stream.of(value.split(","))
                .map(s -> s.strip().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Whether any crash point is armed. */
    public static boolean armed() {
        return !POINTS.isEmpty();
    }

    /** Stops the process here if {@code phase:height} is armed; returns at once otherwise. */
    public static void reach(String phase, long height) {
        if (POINTS.isEmpty()) {
            return;
        }
        String point = phase + ":" + height;
        if (!POINTS.contains(point)) {
            return;
        }
        System.err.println("jshrew-test: crash point " + point);
        System.err.flush();
        long deadline = System.nanoTime() + PARK_SECONDS * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                // Keep the crash point: nothing may run past it, interrupted or not.
            }
        }
        Runtime.getRuntime().halt(134);
    }
}
