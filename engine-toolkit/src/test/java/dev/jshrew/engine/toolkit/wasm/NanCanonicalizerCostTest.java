package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import dev.jshrew.engine.toolkit.wasm.GuestRunner.Engine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Numbers for the README: what NaN canonicalisation costs on Chicory on a float-heavy loop ({@code nan-loop.wat}:
 * {@code x = x * a + b; s += x}), without the check, with every check, and with the checks the next-instruction rule
 * leaves; and the pass itself on spendables.wasm (which has no float instruction, so it comes back unchanged and runs
 * exactly as before). Prints them and writes {@code target/nan-measurements.txt}; asserts only that the results are
 * the same (the loop produces no NaN) and sanity bounds.
 */
class NanCanonicalizerCostTest {
    private static final MeasurementReport REPORT = new MeasurementReport();

    /**
     * Median wall time in ms of {@code export(n)} over {@code runs} calls after {@code warmup} calls; the last result.
     */
    private static double time(Instance instance, String export, int n, int warmup, int runs, long[] result) {
        for (int i = 0; i < warmup; i++) {
            result[0] = instance.export(export).apply(n)[0];
        }
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            result[0] = instance.export(export).apply(n)[0];
            times.add(System.nanoTime() - t0);
        }
        return MeasurementReport.medianMillis(times);
    }

    private static Instance instantiate(byte[] wasm, Engine engine) {
        WasmModule module = GuestRunner.parse(wasm);
        return Instance.builder(module)
                .withMachineFactory(GuestRunner.machines(module, engine))
                .build();
    }

    @Test
    void measure() throws IOException {
        byte[] loop = FeatureModuleTest.resource("nan-loop.wasm");
        NanCanonicalizer.Result all = NanCanonicalizer.run(loop, false);
        NanCanonicalizer.Result elided = NanCanonicalizer.run(loop, true);
        REPORT.line(
                "nan-loop.wasm: %d sites; %d checks without the next-instruction rule, %d with "
                        + "it (per iteration: 3 float" + " operations, 3 or 2 checks)",
                elided.sites(), all.checks(), elided.checks());
        for (Engine engine : Engine.values()) {
            int n = engine == Engine.COMPILER ? 20_000_000 : 1_000_000;
            int warmup = engine == Engine.COMPILER ? 8 : 2;
            int runs = engine == Engine.COMPILER ? 9 : 5;
            for (String export : new String[] {"loop", "loop32"}) {
                long[] r0 = new long[1], r1 = new long[1], r2 = new long[1];
                double before = time(instantiate(loop, engine), export, n, warmup, runs, r0);
                double every = time(instantiate(all.bytes(), engine), export, n, warmup, runs, r1);
                double after = time(instantiate(elided.bytes(), engine), export, n, warmup, runs, r2);
                assertEquals(r0[0], r1[0], "no NaN in the loop: the same result");
                assertEquals(r0[0], r2[0], "no NaN in the loop: the same result");
                REPORT.line(
                        "chicory %s, %s(%d): original %.1f ms (%.2f ns/iteration); every check %.1f ms (%+.0f %%);"
                                + " with the rule %.1f ms (%+.0f %%)",
                        engine.name().toLowerCase(java.util.Locale.ROOT),
                        export,
                        n,
                        before,
                        before * 1e6 / n,
                        every,
                        100 * (every - before) / before,
                        after,
                        100 * (after - before) / before);
                assertTrue(after < before * 20, "sanity");
            }
        }

        byte[] spendables = RewriteFixtures.guest("spendables/spendables.wasm");
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long t0 = System.nanoTime();
            assertSame(spendables, NanCanonicalizer.canonicalize("spendables.wasm", spendables));
            times.add(System.nanoTime() - t0);
        }
        REPORT.line(
                "spendables.wasm (%d bytes): no NaN-producing instruction, returned unchanged (same code, same speed);"
                        + " the pass reads it in %.2f ms (median of 30, first %.1f ms)",
                spendables.length, MeasurementReport.medianMillis(times), times.getFirst() / 1e6);
        byte[] nan = RewriteFixtures.guest("wat/nan.wasm");
        NanCanonicalizer.Result r = NanCanonicalizer.run(nan);
        REPORT.line(
                "nan.wasm: %d -> %d bytes (%d sites, %d checks)", nan.length, r.bytes().length, r.sites(), r.checks());
        REPORT.save("nan-measurements.txt");
    }
}
