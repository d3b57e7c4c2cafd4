package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.memory.CommitStrategy;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.tck.Fixtures;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Commits 4 GiB in wasmtime's own mapping (a committed instance of {@code spendables.wasm}) and in a fresh FFM
 * mapping of the memory-commit module, alternately, one 4 GiB commit alive at a time, so both see the same host
 * conditions (on a ballooned VM a commit right after freeing is fast, one after idle is slow). Prints wall time,
 * RSS rise and {@code AnonHugePages} of the range. Not a test: run it by hand.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx256m -cp "$(cat
 * /tmp/cp.txt):engine-wasmtime/target/classes:engine-wasmtime/target/test-classes" \
 *   dev.jshrew.engine.wasmtime.CommitTimingMain 4 hugepage+populate_write      # ROUNDS STRATEGY
 * </pre>
 */
public final class CommitTimingMain {
    private CommitTimingMain() {}

    public static void main(String[] args) throws IOException {
        int rounds = Integer.parseInt(args[0]);
        CommitStrategy strategy = CommitStrategy.parse(args.length > 1 ? args[1] : "auto");
        long size = 4L << 30;
        try (WasmEngine engine = new WasmtimeEngineProvider()
                .create(EngineContext.of(Map.of(), new CommittedMemoryProvider(strategy)))) {
            CompiledModule module = engine.compile("spendables.wasm", Fixtures.guest("spendables/spendables.wasm"));
            var imports = new dev.jshrew.host.abi.MetashrewAbi(new dev.jshrew.host.abi.CallContext(), s -> {})
                    .bind(module.imports(), module.name());
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < 2; k++) {
                    boolean wasmtime = (round + k) % 2 == 0;
                    long rss = rssKiB();
                    long t = System.nanoTime();
                    if (wasmtime) {
                        try (ModuleInstance i = module.instantiate(imports, new InstanceOptions(65536, size))) {
                            double s = (System.nanoTime() - t) / 1e9;
                            long base =
                                    ((WasmtimeModuleInstance) i).reservation().address();
                            report("wasmtime mapping", s, rssKiB() - rss, anonHugePagesKiB(base, base + size));
                        }
                    } else {
                        try (LinearMemory m = new CommittedMemoryProvider(strategy).reserve(size, size)) {
                            double s = (System.nanoTime() - t) / 1e9;
                            MemorySegment seg = m.segment();
                            report(
                                    "FFM mapping     ",
                                    s,
                                    rssKiB() - rss,
                                    anonHugePagesKiB(seg.address(), seg.address() + size));
                        }
                    }
                }
            }
        }
    }

    private static void report(String what, double seconds, long rssKiB, long ahpKiB) {
        System.out.printf(
                Locale.ROOT,
                "%s: %.2f s, RSS %+d MiB, AnonHugePages %d MiB%n",
                what,
                seconds,
                rssKiB >> 10,
                ahpKiB >> 10);
    }

    static long rssKiB() throws IOException {
        long bytes = new CommittedMemoryProvider().residentSetBytes();
        return bytes < 0 ? -1 : bytes >> 10;
    }

    /** {@code AnonHugePages} of every mapping overlapping {@code [lo, hi)}, from {@code /proc/self/smaps}. */
    static long anonHugePagesKiB(long lo, long hi) throws IOException {
        boolean in = false;
        long kib = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                in = Long.parseUnsignedLong(range[0], 16) < hi && Long.parseUnsignedLong(range[1], 16) > lo;
            } else if (in && line.startsWith("AnonHugePages:")) {
                kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kib;
    }
}
