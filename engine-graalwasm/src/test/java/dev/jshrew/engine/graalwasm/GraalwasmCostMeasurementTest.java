package dev.jshrew.engine.graalwasm;

import dev.jshrew.host.BlockResult;
import dev.jshrew.host.ResetMode;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurements for the module README, not a test: off unless {@code -Djshrew.measure=true}. Two configurations
 * index the real blocks side by side in one JVM, block by block in turn (so both see the same machine load), each
 * on its own polyglot engine, for {@code -Djshrew.measure.rounds} rounds (default 10) of the nine blocks. Printed:
 * the guest's run time per round, and the sum over the nine blocks of each block's fastest run in the second half
 * of the rounds (steady state, robust to a loaded machine).
 *
 * <pre>
 * ./mvnw -o -pl engine-graalwasm test -Dtest=GraalwasmCostMeasurementTest -Djshrew.measure=true
 * -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "jshrew.measure", matches = "true")
class GraalwasmCostMeasurementTest {
    @TempDir
    Path temp;

    private static final List<Fixtures.RealBlock> BLOCKS =
            List.copyOf(Fixtures.realBlocks().values());

    @Test
    void boundsChecks() {
        Harness checked = harness("checked", "true", ResetMode.FAST);
        Harness unchecked = harness("unchecked", "false", ResetMode.FAST);
        compare(
                "every load and store checked against the guest's size (production)", checked,
                "unchecked (GraalWasm's own check against the committed size only)", unchecked);
    }

    @Test
    void resetVersusFresh() {
        Harness fast = harness("fast", "true", ResetMode.FAST);
        Harness fresh = harness("fresh", "true", ResetMode.FRESH);
        compare(
                "one instance reset in place (--reset fast)",
                fast,
                "a fresh context and instance per block (--reset fresh)",
                fresh);
    }

    private Harness harness(String name, String checkLoadsAndStores, ResetMode mode) {
        String before = System.getProperty(GraalwasmCompiledModule.CHECK_LOADS_AND_STORES_PROPERTY);
        System.setProperty(GraalwasmCompiledModule.CHECK_LOADS_AND_STORES_PROPERTY, checkLoadsAndStores);
        try {
            return new Harness(
                    "graalwasm", Map.of(), "spendables/spendables.wasm", temp.resolve(name), Harness.testOptions(mode));
        } finally {
            if (before == null) {
                System.clearProperty(GraalwasmCompiledModule.CHECK_LOADS_AND_STORES_PROPERTY);
            } else {
                System.setProperty(GraalwasmCompiledModule.CHECK_LOADS_AND_STORES_PROPERTY, before);
            }
        }
    }

    private static void compare(String aName, Harness a, String bName, Harness b) {
        int rounds = Integer.getInteger("jshrew.measure.rounds", 10);
        long[][] runA = new long[rounds][BLOCKS.size()];
        long[][] runB = new long[rounds][BLOCKS.size()];
        long[][] resetA = new long[rounds][BLOCKS.size()];
        long[][] resetB = new long[rounds][BLOCKS.size()];
        try (a;
                b) {
            long height = 0;
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < BLOCKS.size(); i++) {
                    byte[] block = BLOCKS.get(i).bytes();
                    BlockResult ra = a.index(height, block);
                    BlockResult rb = b.index(height, block);
                    runA[r][i] = ra.runNanos();
                    runB[r][i] = rb.runNanos();
                    resetA[r][i] = ra.resetNanos();
                    resetB[r][i] = rb.resetNanos();
                    height++;
                }
            }
        }
        System.out.println(report("A", aName, runA, resetA) + report("B", bName, runB, resetB));
    }

    private static String report(String label, String name, long[][] run, long[][] reset) {
        StringBuilder s = new StringBuilder(label + ": " + name + "\n  run per round (s):");
        for (long[] round : run) {
            s.append(String.format(
                    Locale.ROOT, " %.2f", java.util.Arrays.stream(round).sum() / 1e9));
        }
        long steady = 0;
        long steadyReset = 0;
        for (int i = 0; i < run[0].length; i++) {
            long min = Long.MAX_VALUE;
            long minReset = Long.MAX_VALUE;
            for (int r = run.length / 2; r < run.length; r++) {
                min = Math.min(min, run[r][i]);
                minReset = Math.min(minReset, reset[r][i]);
            }
            steady += min;
            steadyReset += minReset;
        }
        s.append(String.format(
                Locale.ROOT,
                "%n  steady state (sum of per-block minima over the last %d rounds): run %.3f "
                        + "s, reset/instantiate %.1f ms%n",
                run.length - run.length / 2,
                steady / 1e9,
                steadyReset / 1e6));
        return s.toString();
    }
}
