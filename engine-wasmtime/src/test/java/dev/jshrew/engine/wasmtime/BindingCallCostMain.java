package dev.jshrew.engine.wasmtime;

import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.util.List;
import java.util.Locale;

/**
 * What wasmtime-java costs per guest-to-host call, by signature: no argument and no result, one and two i32
 * arguments, one i64 argument, one i32 argument and an i32 result ({@code __get_len}'s type). The binding alone, no
 * jshrew code: why engine-wasmtime passes arguments and results through guest memory (fast calls). Not a test.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp "$(cat /tmp/cp.txt):engine-wasmtime/target/test-classes" \
 *   dev.jshrew.engine.wasmtime.BindingCallCostMain [calls per round, default 20000]
 * </pre>
 *
 * ({@code /tmp/cp.txt} from {@code ./mvnw -q -pl engine-wasmtime dependency:build-classpath
 * -Dmdep.outputFile=/tmp/cp.txt}.)
 */
public final class BindingCallCostMain {
    private BindingCallCostMain() {}

    private static Func func(Store<Void> store, Val.Type[] params, Val.Type[] results, long[] sink) {
        return new Func(store, new FuncType(params, results), (caller, p, r) -> {
            for (Val v : p) {
                sink[0] += v.getValue() instanceof Number n ? n.longValue() : 0;
            }
            if (r.length > 0) {
                r[0] = Val.fromI32((int) sink[0]);
            }
        });
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Val.Type i32 = Val.Type.I32;
        long[] sink = new long[1];
        try (Store<Void> store = Store.withoutData();
                Engine engine = store.engine();
                io.github.kawamuray.wasmtime.Module module = io.github.kawamuray.wasmtime.Module.fromBinary(
                        engine, WasmtimeEngineTest.wasm("call-cost.wasm"))) {
            List<Extern> imports = List.of(
                    Extern.fromFunc(func(store, new Val.Type[0], new Val.Type[0], sink)),
                    Extern.fromFunc(func(store, new Val.Type[] {i32}, new Val.Type[0], sink)),
                    Extern.fromFunc(func(store, new Val.Type[] {i32, i32}, new Val.Type[0], sink)),
                    Extern.fromFunc(func(store, new Val.Type[] {Val.Type.I64}, new Val.Type[0], sink)),
                    Extern.fromFunc(func(store, new Val.Type[] {i32}, new Val.Type[] {i32}, sink)));
            try (Instance instance = new Instance(store, module, imports)) {
                String[] loops = {"loop_v0", "loop_v1", "loop_v2", "loop_l1", "loop_r1"};
                String[] names = {"() -> ()", "(i32) -> ()", "(i32 i32) -> ()", "(i64) -> ()", "(i32) -> i32"};
                for (int round = 0; round < 6; round++) {
                    StringBuilder line = new StringBuilder("round " + round + ":");
                    for (int k = 0; k < loops.length; k++) {
                        Func f = instance.getFunc(store, loops[k]).orElseThrow();
                        long t0 = System.nanoTime();
                        f.call(store, Val.fromI32(n));
                        long t1 = System.nanoTime();
                        line.append(String.format(Locale.ROOT, "  %s %.2f us", names[k], (t1 - t0) / 1e3 / n));
                    }
                    System.out.println(line);
                }
            }
        }
    }
}
