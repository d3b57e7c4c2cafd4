package dev.jshrew.engine.toolkit.wasm;

import static dev.jshrew.engine.toolkit.wasm.RewriteFixtures.headerAnd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import dev.jshrew.engine.toolkit.wasm.GuestRunner.Engine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Numbers for the README: rewrite time and size growth of spendables.wasm, and the cost of an in-place reset with a
 * 100 MiB high-water mark against a fresh instantiation, on Chicory. Prints them and writes
 * {@code target/rewrite-measurements.txt}; asserts only sanity bounds (timings depend on the machine).
 */
class RewriteMeasurementsTest {
    private static final MeasurementReport REPORT = new MeasurementReport();

    @Test
    void measure() throws IOException {
        byte[] spendables = RewriteFixtures.guest("spendables/spendables.wasm");
        for (boolean check : new boolean[] {false, true}) {
            ResettableModule.Options options = new ResettableModule.Options(65536, check);
            List<Long> times = new ArrayList<>();
            ResettableModule rw = null;
            for (int i = 0; i < 30; i++) {
                long t0 = System.nanoTime();
                rw = ResettableModule.rewrite("spendables.wasm", spendables, options);
                times.add(System.nanoTime() - t0);
            }
            int size = rw.bytes().length;
            REPORT.line(
                    "rewrite spendables.wasm (%d bytes), checkLoadsAndStores=%s: first %.1f ms, median of 30 %.2f ms; "
                            + "%d -> %d bytes (+%.1f %%)",
                    spendables.length,
                    check,
                    times.getFirst() / 1e6,
                    MeasurementReport.medianMillis(times),
                    spendables.length,
                    size,
                    100.0 * (size - spendables.length) / spendables.length);
            assertTrue(MeasurementReport.medianMillis(times) < 1000);
        }

        // grow.wat touches every 4 KiB page of 2 x 800 pages: a 1601-page (100 MiB) high-water mark per block
        byte[] grow = RewriteFixtures.guest("wat/grow.wasm");
        ResettableModule rw = ResettableModule.rewrite("grow.wasm", grow, new ResettableModule.Options(1601, false));
        for (Engine engine : Engine.values()) {
            WasmModule original = GuestRunner.parse(grow);
            try (GuestRunner.Reset reset = new GuestRunner.Reset(rw, engine, true);
                    GuestRunner.Fresh fresh = new GuestRunner.Fresh(grow, engine, 1601)) {
                var machines = GuestRunner.machines(original, engine);
                var imports = fresh.imports(original);
                List<Long> resets = new ArrayList<>();
                List<Long> instantiations = new ArrayList<>();
                List<Long> freshBlocks = new ArrayList<>();
                List<Long> resetBlocks = new ArrayList<>();
                byte[] block = headerAnd(0, (byte) 2, (byte) 0, (byte) 0, (byte) 0);
                for (int i = 0; i < 8; i++) {
                    long t0 = System.nanoTime();
                    GuestRunner.Outcome f = fresh.run(i, block);
                    freshBlocks.add(System.nanoTime() - t0);
                    t0 = System.nanoTime();
                    Instance.builder(original)
                            .withImportValues(imports)
                            .withMachineFactory(machines)
                            .withMemoryFactory(ByteArrayMemory::new)
                            .withStart(false)
                            .build();
                    instantiations.add(System.nanoTime() - t0);

                    t0 = System.nanoTime();
                    GuestRunner.Outcome r = reset.run(i, block);
                    resetBlocks.add(System.nanoTime() - t0);
                    assertEquals(f, r);
                    assertEquals(1601, reset.highWater());
                    t0 = System.nanoTime();
                    reset.reset();
                    resets.add(System.nanoTime() - t0);
                    reset.blocks = 0; // already reset: the next run must not reset again
                }
                REPORT.line(
                        "chicory %s, 100 MiB high water (1601 pages): in-place reset median %.2f ms (min %.2f); fresh "
                                + "instantiation median %.2f ms (memory allocated lazily by the "
                                + "guest's own grows); whole "
                                + "block: fresh %.1f ms vs reset %.1f ms (medians of 8)",
                        engine,
                        MeasurementReport.medianMillis(resets),
                        resets.stream().mapToLong(Long::longValue).min().orElseThrow() / 1e6,
                        MeasurementReport.medianMillis(instantiations),
                        MeasurementReport.medianMillis(freshBlocks),
                        MeasurementReport.medianMillis(resetBlocks));
            }
        }

        // spendables: reset after a real block vs a fresh instantiation (17 initial pages + data segments)
        ResettableModule sp =
                ResettableModule.rewrite("spendables.wasm", spendables, new ResettableModule.Options(2048, false));
        var blocks = RewriteFixtures.realBlocks();
        var big = blocks.stream().filter(b -> b.height() == 840243).findFirst().orElse(blocks.getLast());
        try (GuestRunner.Reset reset = new GuestRunner.Reset(sp, Engine.COMPILER, true);
                GuestRunner.Fresh fresh = new GuestRunner.Fresh(spendables, Engine.COMPILER, 2048)) {
            WasmModule original = GuestRunner.parse(spendables);
            var machines = GuestRunner.machines(original, Engine.COMPILER);
            var imports = fresh.imports(original);
            List<Long> resets = new ArrayList<>();
            List<Long> instantiations = new ArrayList<>();
            int hw = 0;
            for (int i = 0; i < 5; i++) {
                reset.run(big.height(), big.payload());
                hw = reset.highWater();
                long t0 = System.nanoTime();
                reset.reset();
                resets.add(System.nanoTime() - t0);
                reset.blocks = 0;
                t0 = System.nanoTime();
                Instance.builder(original)
                        .withImportValues(imports)
                        .withMachineFactory(machines)
                        .withMemoryFactory(ByteArrayMemory::new)
                        .withStart(false)
                        .build();
                instantiations.add(System.nanoTime() - t0);
            }
            REPORT.line(
                    "chicory COMPILER, spendables after block %d (high water %d pages = %.1f "
                            + "MiB): in-place reset median " + "%.2f ms; fresh instantiation median %.2f ms",
                    big.height(),
                    hw,
                    hw / 16.0,
                    MeasurementReport.medianMillis(resets),
                    MeasurementReport.medianMillis(instantiations));
        }
        REPORT.save("rewrite-measurements.txt");
        assertTrue(REPORT.lineCount() >= 4);
    }
}
