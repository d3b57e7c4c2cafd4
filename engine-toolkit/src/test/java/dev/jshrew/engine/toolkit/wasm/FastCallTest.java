package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.ValueType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The fast-call rewrite ({@link ResettableModule#fastCallWindowBytes}) on Chicory's interpreter, with a host that
 * follows the protocol in Java: arguments and results reach the host and the guest intact, the guest never sees
 * the window change, a host that leaves status 0 gets the plain call, and a memory without a page, indirect calls
 * and imports left out of {@code fastCalls} make the plain call.
 */
class FastCallTest {
    private static final byte[] GUEST = FeatureModuleTest.resource("fast-call.wasm");
    /** Function imports of the guest, by index: pair, wide, touch, none, many. */
    private static final int PAIR = 0, WIDE = 1, TOUCH = 2, NONE = 3;

    /** One rewritten instance and what its host saw. */
    private static final class Run {
        final Instance instance;
        final Map<String, Integer> plain = new HashMap<>();
        final Map<String, Integer> fast = new HashMap<>();
        /** When set, fast calls of "touch" leave status 0, as a host whose access touched the window. */
        boolean abandonTouch;

        Run(Set<Integer> fastCalls) {
            ResettableModule rewritten = ResettableModule.rewrite(
                    "fast-call.wasm", GUEST, new ResettableModule.Options(16, false, fastCalls));
            List<com.dylibso.chicory.runtime.ImportFunction> fns = new ArrayList<>();
            fns.add(plain("pair", List.of(ValType.I32, ValType.I32), List.of(ValType.I32), a ->
                    new long[] {pair(a[0], a[1])}));
            fns.add(plain("wide", List.of(ValType.I64, ValType.I32), List.of(ValType.I64), a ->
                    new long[] {wide(a[0], a[1])}));
            fns.add(plain("touch", List.of(ValType.I32), List.of(ValType.I32), a -> new long[] {touch(a[0])}));
            fns.add(plain("none", List.of(), List.of(), a -> new long[0]));
            fns.add(plain(
                    "many",
                    List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32),
                    List.of(),
                    a -> new long[0]));
            instance = ProtocolHost.instance(rewritten.bytes(), fns, List.copyOf(fastCalls), this::fastCall);
        }

        private HostFunction plain(
                String name, List<ValType> params, List<ValType> results, Function<long[], long[]> body) {
            return new HostFunction("env", name, FunctionType.of(params, results), (inst, args) -> {
                plain.merge(name, 1, Integer::sum);
                long[] out = body.apply(args);
                return out.length == 0 ? null : out;
            });
        }

        private long touch(long ptr) {
            return instance.memory().readInt((int) ptr);
        }

        /** The host side of the protocol: arguments from slots 1.., result to slot 1, status 1 to slot 0. */
        private void fastCall(Memory memory, int f) {
            String name = List.of("pair", "wide", "touch", "none", "many").get(f);
            fast.merge(name, 1, Integer::sum);
            assertEquals(0L, memory.readLong(0), "status 0 before the host completes the call");
            long result;
            switch (f) {
                case PAIR -> result = pair(memory.readLong(8), memory.readLong(16));
                case WIDE -> result = wide(memory.readLong(8), memory.readLong(16));
                case TOUCH -> {
                    if (abandonTouch) {
                        return;
                    }
                    result = touch(memory.readLong(8));
                }
                default -> result = 0;
            }
            memory.writeLong(8, result);
            memory.writeLong(0, 1L);
        }

        long call(String export, long... args) {
            long[] out = instance.export(export).apply(args);
            return out == null || out.length == 0 ? 0 : out[0];
        }
    }

    private static long pair(long a, long b) {
        // i32 arguments arrive zero-extended in their slots; the host sees them as i32
        return (int) a * 3 + (int) b;
    }

    private static long wide(long x, long y) {
        return x ^ ((long) (int) y << 7);
    }

    /** The window's bytes as the guest sees them, as i64 words. */
    private static long[] window(Run r) {
        long[] out = new long[4];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.call("load64", 8L * i);
        }
        return out;
    }

    private static Run withPage(Set<Integer> fastCalls) {
        Run r = new Run(fastCalls);
        assertEquals(0, r.call("grow", 1));
        for (int i = 0; i < 4; i++) {
            r.call("store64", 8L * i, 0x0123_4567_89AB_CDEFL * (i + 1));
        }
        return r;
    }

    @Test
    void argumentsAndResultsPassThroughMemoryAndTheWindowIsPutBack() {
        Run r = withPage(Set.of(PAIR, WIDE, TOUCH, NONE));
        long[] before = window(r);
        assertEquals(-7 * 3 + 5, (int) r.call("pair", -7, 5));
        assertEquals(wide(-3L, -9), r.call("wide", -3L, -9));
        r.call("none");
        assertEquals(Map.of("pair", 1, "wide", 1, "none", 1), r.fast);
        assertEquals(Map.of(), r.plain, "no plain call when the host completes");
        assertArrayEquals(before, window(r), "the guest never sees the window change");
    }

    @Test
    void statusZeroMakesThePlainCallOnTheGuestsOwnBytes() {
        Run r = withPage(Set.of(TOUCH));
        long[] before = window(r);
        r.abandonTouch = true;
        // the plain call reads the guest's own bytes at 8, not the argument the window held there
        assertEquals((int) before[1], (int) r.call("touch", 8));
        assertEquals(Map.of("touch", 1), r.fast);
        assertEquals(Map.of("touch", 1), r.plain);
        assertArrayEquals(before, window(r));
        r.abandonTouch = false;
        r.call("store64", 4096, 77);
        assertEquals(77, (int) r.call("touch", 4096), "completed through memory");
        assertEquals(Map.of("touch", 2), r.fast);
        assertEquals(Map.of("touch", 1), r.plain);
    }

    @Test
    void withoutAPageIndirectlyOrLeftOutTheCallIsPlain() {
        Run r = new Run(Set.of(PAIR, NONE));
        assertEquals(2 * 3 + 1, r.call("pair", 2, 1), "no memory page yet");
        assertEquals(Map.of(), r.fast);
        assertEquals(0, r.call("grow", 1));
        assertEquals(4 * 3 + 1, r.call("pair", 4, 1));
        assertEquals(Map.of("pair", 1), r.fast);
        assertEquals(5 * 3 + 1, r.call("pair_indirect", 5, 1), "through the table: the import itself");
        r.call("many");
        r.call("wide", 1, 2);
        assertEquals(Map.of("pair", 2, "many", 1, "wide", 1), r.plain);
        assertEquals(Map.of("pair", 1), r.fast);
    }

    @Test
    void refusesImportsThatCannotBeCalledFast() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ResettableModule.rewrite(
                        "fast-call.wasm", GUEST, new ResettableModule.Options(16, false, Set.of(4))),
                "five parameters");
        assertThrows(
                IllegalArgumentException.class,
                () -> ResettableModule.rewrite(
                        "fast-call.wasm", GUEST, new ResettableModule.Options(16, false, Set.of(7))),
                "not an import");
        assertTrue(ResettableModule.canCallFast(FunctionSignature.of(List.of(ValueType.I64), List.of(ValueType.I32))));
        assertTrue(!ResettableModule.canCallFast(FunctionSignature.of(List.of(ValueType.F64), List.of())));
        assertEquals(24, ResettableModule.fastCallWindowBytes(2));
        assertEquals(16, ResettableModule.fastCallWindowBytes(0));
    }
}
