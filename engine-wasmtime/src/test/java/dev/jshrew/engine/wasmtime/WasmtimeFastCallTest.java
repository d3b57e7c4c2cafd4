package dev.jshrew.engine.wasmtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fast calls on a committed instance: {@link HostFunction.Restartable} host functions get their arguments and give
 * their results through the first bytes of guest memory; one that touches those bytes is abandoned and run again
 * through the plain call, on the guest's own bytes; the guest never sees them change.
 */
class WasmtimeFastCallTest {
    private static final FunctionSignature I_I = FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));
    private static final FunctionSignature II_V =
            FunctionSignature.of(List.of(ValueType.I32, ValueType.I32), List.of());
    private static final FunctionSignature L_L = FunctionSignature.of(List.of(ValueType.I64), List.of(ValueType.I64));
    private static final GuestTrapException REFUSED = new GuestTrapException(Trap.HOST, "refused");

    private static dev.jshrew.api.engine.WasmEngine engine;
    private static CompiledModule module;

    /** Each call of a host function, with its arguments. */
    private final List<String> calls = new ArrayList<>();

    @BeforeAll
    static void start() {
        engine = new WasmtimeEngineProvider().create(EngineContext.of(Map.of(), new CommittedMemoryProvider()));
        module = engine.compile("fast-call.wasm", WasmtimeEngineTest.wasm("fast-call.wasm"));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private List<HostFunction> host(boolean restartable) {
        HostFunction.Implementation peek = (memory, args) -> {
            calls.add("peek " + args[0]);
            if (args[0] == 99) {
                throw REFUSED;
            }
            return new long[] {memory.readInt(args[0])};
        };
        HostFunction.Implementation poke = (memory, args) -> {
            calls.add("poke " + args[0] + " " + args[1]);
            memory.writeInt(args[0], (int) args[1]);
            return new long[0];
        };
        HostFunction.Implementation wide = (memory, args) -> {
            calls.add("wide " + args[0]);
            return new long[] {~args[0]};
        };
        if (restartable) {
            HostFunction.Implementation p = peek, q = poke, w = wide;
            peek = (HostFunction.Restartable) p::call;
            poke = (HostFunction.Restartable) q::call;
            wide = (HostFunction.Restartable) w::call;
        }
        return List.of(
                new HostFunction("env", "peek", I_I, peek),
                new HostFunction("env", "poke", II_V, poke),
                new HostFunction("env", "wide", L_L, wide));
    }

    private static ModuleInstance instance(List<HostFunction> host) {
        ModuleInstance i = module.instantiate(host, new InstanceOptions(16, 1L << 20));
        for (int k = 0; k < 4; k++) {
            i.call("store64", 8L * k, 0x0102_0304_0506_0708L * (k + 3));
        }
        i.call("store64", 4096, 0xFFFF_FFF0L); // an i32 of -16 at 4096
        return i;
    }

    private static long[] window(ModuleInstance i) {
        long[] out = new long[4];
        for (int k = 0; k < out.length; k++) {
            out[k] = i.call("load64", 8L * k)[0];
        }
        return out;
    }

    @Test
    void restartableFunctionsRunOnceThroughMemory() {
        try (ModuleInstance i = instance(host(true))) {
            long[] before = window(i);
            calls.clear();
            assertEquals(-16, (int) i.call("peek", 4096)[0], "a negative i32 result");
            i.call("poke", 4100, -5);
            assertEquals(-5, (int) i.call("peek", 4100)[0]);
            assertEquals(~Long.MIN_VALUE, i.call("wide", Long.MIN_VALUE)[0]);
            assertEquals(List.of("peek 4096", "poke 4100 -5", "peek 4100", "wide " + Long.MIN_VALUE), calls);
            assertArrayEquals(before, window(i), "the guest never sees the borrowed bytes change");
        }
    }

    @Test
    void touchingTheBorrowedBytesRunsThePlainCallOnTheGuestsOwn() {
        try (ModuleInstance i = instance(host(true))) {
            long[] before = window(i);
            calls.clear();
            // 8 holds the argument during the fast call; the plain call reads the guest's own bytes there
            assertEquals((int) before[1], (int) i.call("peek", 8)[0]);
            assertEquals(List.of("peek 8", "peek 8"), calls, "abandoned at its read, then run again");
            calls.clear();
            i.call("poke", 16, 1234); // a write into the borrowed bytes stays written
            assertEquals(List.of("poke 16 1234", "poke 16 1234"), calls);
            assertEquals(1234, (int) i.call("load64", 16)[0]);
            assertEquals(before[2] >>> 32, i.call("load64", 16)[0] >>> 32);
            assertEquals(before[0], window(i)[0]);
            assertEquals(before[1], window(i)[1]);
            assertEquals(before[3], window(i)[3]);
        }
    }

    @Test
    void plainFunctionsAndFailuresKeepTheirBehaviour() {
        try (ModuleInstance i = instance(host(false))) {
            long[] before = window(i);
            calls.clear();
            assertEquals((int) before[1], (int) i.call("peek", 8)[0]);
            assertEquals(List.of("peek 8"), calls, "not restartable: one plain call");
        }
        try (ModuleInstance i = instance(host(true))) {
            GuestTrapException e = assertThrows(GuestTrapException.class, () -> i.call("peek", 99));
            assertSame(REFUSED, e, "the host's exception reaches the caller unchanged");
            assertEquals(Trap.MEMORY_OUT_OF_BOUNDS, WasmtimeEngineTest.trap(() -> i.call("peek", 70000)));
            i.reset();
            assertEquals(0, (int) i.call("peek", 4096)[0], "after a reset");
        }
    }
}
