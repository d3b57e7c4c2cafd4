package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.util.Locale;
import java.util.Map;

/**
 * The binding's per-call costs: a call into the guest that returns at once ({@code size}), and one that calls a
 * host function once ({@code callhost}), so the difference is one guest-to-host round trip. Not a test.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp "$(cat
 * /tmp/cp.txt):engine-wasmtime/target/classes:engine-wasmtime/target/test-classes" \
 *   dev.jshrew.engine.wasmtime.HostCallTimingMain
 * </pre>
 */
public final class HostCallTimingMain {
    private HostCallTimingMain() {}

    public static void main(String[] args) {
        try (WasmEngine engine =
                new WasmtimeEngineProvider().create(EngineContext.of(Map.of(), new CommittedMemoryProvider()))) {
            CompiledModule module = engine.compile("engine.wasm", WasmtimeEngineTest.wasm("engine.wasm"));
            try (ModuleInstance i =
                    module.instantiate(WasmtimeEngineTest.host(), new InstanceOptions(65536, 8 << 20))) {
                int n = 50_000;
                for (int round = 0; round < 5; round++) {
                    long t0 = System.nanoTime();
                    for (int k = 0; k < n; k++) {
                        i.call("size");
                    }
                    long t1 = System.nanoTime();
                    for (int k = 0; k < n; k++) {
                        i.call("callhost", 5);
                    }
                    long t2 = System.nanoTime();
                    System.out.printf(
                            Locale.ROOT,
                            "call %.2f us, call with one host call %.2f us%n",
                            (t1 - t0) / 1e3 / n,
                            (t2 - t1) / 1e3 / n);
                }
            }
        }
    }
}
