package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.MemorySize;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.tck.Fixtures;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures, for an engine, what it costs between two blocks to get a pristine instance after a block whose memory
 * reached {@code highWaterMiB}: the in-place {@code reset()} of the committed instance ({@code --reset fast}) against
 * closing the instance and instantiating afresh, uncommitted ({@code --reset fresh}); and, because a fresh instance
 * pays later, the time of the next block's memory work ({@code dirty(mib)} of {@code guests/wat/dirty.wat}) after
 * each. Also prints the commit at instantiation. Not a test: run it by hand.
 *
 * <pre>
 * ./mvnw -q -o -pl engine-wasmtime dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java --enable-native-access=ALL-UNNAMED -Xmx512m -cp "$(cat
 * /tmp/cp.txt):engine-wasmtime/target/classes:engine-wasmtime/target/test-classes" \
 *   dev.jshrew.engine.wasmtime.ResetTimingMain wasmtime 4g 15 1 16 128 1024     # ENGINE COMMIT REPEATS MIB...
 * </pre>
 */
public final class ResetTimingMain {
    private ResetTimingMain() {}

    public static void main(String[] args) {
        String engineName = args[0];
        long commit = MemorySize.parse(args[1]);
        int repeats = Integer.parseInt(args[2]);
        int[] mibs =
                Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray();
        try (WasmEngine engine = EngineRegistry.load().create(engineName, Map.of(), new CommittedMemoryProvider())) {
            CompiledModule module = engine.compile("dirty.wasm", Fixtures.guest("wat/dirty.wasm"));
            long t0 = System.nanoTime();
            ModuleInstance committed = module.instantiate(List.of(), new InstanceOptions(65536, commit));
            System.out.printf(
                    Locale.ROOT,
                    "%s: instantiation with %d MiB committed: %.2f s, committed %d MiB%n",
                    engineName,
                    commit >> 20,
                    (System.nanoTime() - t0) / 1e9,
                    committed.memoryStats().committedBytes() >> 20);
            try (committed) {
                for (int mib : mibs) {
                    double[] reset = new double[repeats];
                    double[] afterReset = new double[repeats];
                    committed.call("dirty", mib);
                    for (int r = 0; r < repeats; r++) {
                        long a = System.nanoTime();
                        committed.reset();
                        long b = System.nanoTime();
                        committed.call("dirty", mib);
                        long c = System.nanoTime();
                        reset[r] = (b - a) / 1e6;
                        afterReset[r] = (c - b) / 1e6;
                    }
                    committed.reset();
                    double[] fresh = new double[repeats];
                    double[] afterFresh = new double[repeats];
                    ModuleInstance instance = module.instantiate(List.of(), InstanceOptions.uncommitted(65536));
                    instance.call("dirty", mib);
                    for (int r = 0; r < repeats; r++) {
                        long a = System.nanoTime();
                        instance.close();
                        instance = module.instantiate(List.of(), InstanceOptions.uncommitted(65536));
                        long b = System.nanoTime();
                        instance.call("dirty", mib);
                        long c = System.nanoTime();
                        fresh[r] = (b - a) / 1e6;
                        afterFresh[r] = (c - b) / 1e6;
                    }
                    instance.close();
                    System.out.printf(
                            Locale.ROOT,
                            "%s %5d MiB: reset %8.3f ms (then dirty %8.2f ms) | fresh %8.3f ms "
                                    + "(then dirty %8.2f ms)  [median of %d]%n",
                            engineName,
                            mib,
                            median(reset),
                            median(afterReset),
                            median(fresh),
                            median(afterFresh),
                            repeats);
                }
            }
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
