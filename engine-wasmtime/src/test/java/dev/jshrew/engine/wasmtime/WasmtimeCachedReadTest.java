package dev.jshrew.engine.wasmtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.engine.toolkit.wasm.ResettableModule;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cached reads on a committed instance: a {@link HostFunction.ValueLength} hands the value it measured over, and a
 * call of its companion with an equal key, in the same export call, is made in the guest (the host sees no call);
 * every other call of the companion reaches the host, which answers it as before.
 */
class WasmtimeCachedReadTest {
    private static final FunctionSignature I_I = FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));
    private static final FunctionSignature II_V =
            FunctionSignature.of(List.of(ValueType.I32, ValueType.I32), List.of());
    private static final int KEY = 0x1000, OTHER_KEY = 0x3000, OUT = 0x2000;
    private static final long FILL = 0xEEEE_EEEE_EEEE_EEEEL;

    private static dev.jshrew.api.engine.WasmEngine engine;
    private static CompiledModule module;

    /** Each call of a host function. */
    private final List<String> calls = new ArrayList<>();
    /** The host's values, by key (hex). */
    private final Map<String, byte[]> values = new HashMap<>();
    /** Whether the length hands its value over. */
    private boolean stable = true;

    @BeforeAll
    static void start() {
        engine = new WasmtimeEngineProvider().create(EngineContext.of(Map.of(), new CommittedMemoryProvider()));
        module = engine.compile("cached-read.wasm", WasmtimeEngineTest.wasm("cached-read.wasm"));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static byte[] key(GuestMemory memory, long ptr) {
        return memory.read(ptr, memory.readInt(ptr - 4));
    }

    private byte[] value(byte[] key) {
        return values.getOrDefault(Arrays.toString(key), new byte[0]);
    }

    private final class Length implements HostFunction.ValueLength {
        private byte[] last;

        @Override
        public long[] call(GuestMemory memory, long[] args) {
            last = null;
            byte[] key = key(memory, args[0]);
            calls.add("len " + key.length);
            byte[] value = value(key);
            last = stable ? value : null;
            return new long[] {value.length};
        }

        @Override
        public String companion() {
            return "get";
        }

        @Override
        public byte[] lastValue() {
            return last;
        }
    }

    private ModuleInstance instance() {
        HostFunction.Restartable get = (memory, args) -> {
            byte[] key = key(memory, args[0]);
            calls.add("get " + key.length);
            byte[] value = value(key);
            if (value.length > 0) {
                memory.write(args[1], value);
            }
            return new long[0];
        };
        ModuleInstance i = module.instantiate(
                List.of(new HostFunction("env", "len", I_I, new Length()), new HostFunction("env", "get", II_V, get)),
                new InstanceOptions(16, 1L << 20));
        for (int k = 0; k < ResettableModule.cachedReadWindowBytes() / 8; k++) {
            i.call("store64", 8L * k, 0x0102_0304_0506_0708L * (k + 3));
        }
        return i;
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (seed * 31 + k * 7 + 1);
        }
        return b;
    }

    /** Writes the key buffer at {@code ptr}: its u32 length at {@code ptr - 4}, then its bytes. */
    static void put(ModuleInstance i, long ptr, byte[] key) {
        byte[] buffer = ByteBuffer.allocate(key.length + 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(key.length)
                .put(key)
                .array();
        i.memory().write(ptr - 4, buffer);
    }

    private static void fillOut(ModuleInstance i) {
        for (int k = -2; k < 20; k++) {
            i.call("store64", OUT + 8L * k, FILL);
        }
    }

    /** {@code len(KEY)}, then {@code get(key, OUT)} in one export call, with OUT filled and the calls cleared first. */
    private void lenGet(ModuleInstance i, long key) {
        fillOut(i);
        calls.clear();
        i.call("len_get", KEY, OUT, 0, 0, key);
    }

    /** The destination after a read of {@code value}: exactly the value, the fill before and after it. */
    private static void assertWritten(ModuleInstance i, byte[] value, String what) {
        byte[] got = i.memory().read(OUT - 16, 16 + 160);
        byte[] want = new byte[got.length];
        Arrays.fill(want, (byte) 0xEE);
        System.arraycopy(value, 0, want, 16, value.length);
        assertArrayEquals(want, got, what);
    }

    @Test
    void lengthThenReadOfTheSameKeyReachesTheHostOnce() {
        int[] keyLengths = {4, 5, 7, 8, 9, 15, 16, 17, 64, 100, 127, 128};
        int[] valueLengths = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 36, 100, 127, 128};
        try (ModuleInstance i = instance()) {
            long[] window = new long[ResettableModule.cachedReadWindowBytes() / 8];
            for (int k = 0; k < window.length; k++) {
                window[k] = i.call("load64", 8L * k)[0];
            }
            for (int kl : keyLengths) {
                for (int vl : valueLengths) {
                    byte[] key = bytes(kl, vl);
                    byte[] value = bytes(vl, kl + 1000);
                    values.put(Arrays.toString(key), value);
                    put(i, KEY, key);
                    fillOut(i);
                    calls.clear();
                    long n = i.call("len_get", KEY, OUT, 0, 0, KEY)[0];
                    String what = "key of " + kl + " bytes, value of " + vl;
                    assertEquals(vl, n, what);
                    assertEquals(List.of("len " + kl), calls, what + ": the read is made in the guest");
                    assertWritten(i, value, what);
                }
            }
            for (int k = 0; k < window.length; k++) {
                assertEquals(window[k], i.call("load64", 8L * k)[0], "the guest never sees the window change");
            }
        }
    }

    @Test
    void keysAndValuesOutsideTheKeptSizesReachTheHost() {
        int[][] cases = {{0, 8}, {1, 8}, {3, 8}, {129, 8}, {200, 8}, {8, 129}, {8, 500}};
        try (ModuleInstance i = instance()) {
            for (int[] c : cases) {
                byte[] key = bytes(c[0], 7);
                byte[] value = bytes(c[1], 9);
                values.put(Arrays.toString(key), value);
                put(i, KEY, key);
                for (int k = -2; k < 70; k++) {
                    i.call("store64", OUT + 8L * k, FILL);
                }
                calls.clear();
                assertEquals(c[1], i.call("len_get", KEY, OUT, 0, 0, KEY)[0]);
                assertEquals(List.of("len " + c[0], "get " + c[0]), calls, "key " + c[0] + ", value " + c[1]);
                assertArrayEquals(value, i.memory().read(OUT, value.length));
                assertEquals(FILL, i.call("load64", OUT + value.length)[0], "nothing after the value");
            }
        }
    }

    @Test
    void aKeyChangedBetweenTheCallsIsReadByTheHost() {
        byte[] key = bytes(20, 1);
        values.put(Arrays.toString(key), bytes(12, 2));
        try (ModuleInstance i = instance()) {
            // its first byte, its last byte, and its length word (19 bytes now: a key the host has no value for)
            long[][] changes = {{KEY, 0x55}, {KEY + 19, 0x55}, {KEY - 4, 19}};
            for (long[] change : changes) {
                put(i, KEY, key);
                byte[] changed = key(i.memory(), KEY).clone();
                changed = change[0] == KEY - 4 ? Arrays.copyOf(changed, 19) : changed;
                if (change[0] != KEY - 4) {
                    changed[(int) (change[0] - KEY)] = (byte) change[1];
                }
                byte[] other = bytes(9, 3 + (int) change[0]);
                values.put(Arrays.toString(changed), other);
                fillOut(i);
                calls.clear();
                assertEquals(12, i.call("len_get", KEY, OUT, change[0], change[1], KEY)[0]);
                assertEquals(List.of("len 20", "get " + changed.length), calls, "changed at " + change[0]);
                assertWritten(i, other, "the changed key's value");
            }
            // another key entirely
            byte[] second = bytes(20, 4);
            values.put(Arrays.toString(second), bytes(5, 5));
            put(i, KEY, key);
            put(i, OTHER_KEY, second);
            lenGet(i, OTHER_KEY);
            assertEquals(List.of("len 20", "get 20"), calls);
            assertWritten(i, bytes(5, 5), "the other key's value");
            // an equal key at another address is answered in the guest
            put(i, OTHER_KEY, key);
            lenGet(i, OTHER_KEY);
            assertEquals(List.of("len 20"), calls);
            assertWritten(i, bytes(12, 2), "an equal key's value");
        }
    }

    @Test
    void aDestinationPastTheSizeIsTheHostsToReport() {
        byte[] key = bytes(8, 1);
        values.put(Arrays.toString(key), bytes(16, 2));
        try (ModuleInstance i = instance()) {
            put(i, KEY, key);
            calls.clear();
            assertEquals(
                    Trap.MEMORY_OUT_OF_BOUNDS,
                    WasmtimeEngineTest.trap(() -> i.call("len_get", KEY, 65536 - 8, 0, 0, KEY)));
            assertEquals(List.of("len 8", "get 8"), calls, "the host's call reports it");
        }
        try (ModuleInstance i = instance()) {
            // grown past the first page, the same destination fits
            put(i, KEY, key);
            assertEquals(1, i.call("grow", 1)[0]);
            calls.clear();
            i.call("len_get", KEY, 65536 - 8, 0, 0, KEY);
            assertEquals(List.of("len 8"), calls);
            assertArrayEquals(bytes(16, 2), i.memory().read(65536 - 8, 16));
        }
    }

    @Test
    void aKeptKeyAnswersOnlyTheExportCallThatReadIt() {
        byte[] key = bytes(10, 1);
        values.put(Arrays.toString(key), bytes(10, 2));
        try (ModuleInstance i = instance()) {
            put(i, KEY, key);
            i.call("len", KEY);
            values.put(Arrays.toString(key), bytes(11, 3)); // the store moved on between the calls
            fillOut(i);
            calls.clear();
            i.call("get", KEY, OUT);
            assertEquals(List.of("get 10"), calls, "a new export call, no reset between");
            assertWritten(i, bytes(11, 3), "the host's current value");
            i.call("len", KEY);
            i.reset();
            put(i, KEY, key);
            calls.clear();
            i.call("get", KEY, OUT);
            assertEquals(List.of("get 10"), calls, "after a reset");
        }
    }

    @Test
    void aValueNotHandedOverIsReadByTheHost() {
        stable = false;
        byte[] key = bytes(10, 1);
        values.put(Arrays.toString(key), bytes(10, 2));
        try (ModuleInstance i = instance()) {
            put(i, KEY, key);
            lenGet(i, KEY);
            assertEquals(List.of("len 10", "get 10"), calls);
            assertWritten(i, bytes(10, 2), "the host's value");
        }
    }

    /**
     * The repository's two indexers through the metashrew ABI on a real block, twice (the second run reads what the
     * first wrote): every key is read with one host call, and the guest writes exactly what the ABI would have.
     */
    @ParameterizedTest
    @ValueSource(strings = {"spendables/spendables.wasm", "spendables-as/spendables-as.wasm"})
    void ourIndexersReadEveryKeyWithOneHostCall(String guest) {
        var block = dev.jshrew.tck.Fixtures.realBlocks().get(840243L);
        CompiledModule indexer = engine.compile(guest, dev.jshrew.tck.Fixtures.guest(guest));
        var context = new dev.jshrew.host.abi.CallContext();
        int[] gets = {0};
        List<HostFunction> abi = new dev.jshrew.host.abi.MetashrewAbi(context, line -> {})
                .bind(indexer.imports(), guest).stream()
                        .map(h -> !h.name().equals("__get")
                                ? h
                                : new HostFunction(h.module(), h.name(), h.signature(), (HostFunction.Restartable)
                                        (memory, args) -> {
                                            gets[0]++;
                                            return h.implementation().call(memory, args);
                                        }))
                        .toList();
        java.util.NavigableMap<byte[], byte[]> state;
        try (ModuleInstance i = indexer.instantiate(abi, new InstanceOptions(65536, 8L << 20))) {
            indexAt(i, context, 840243, block.bytes(), Map.of());
            state = context.writes().sorted();
            int firstReads = context.storeReads();
            assertEquals(0, gets[0], "no __get reached the host, of " + firstReads + " keys read (all missing)");
            i.reset();
            indexAt(i, context, 840244, block.bytes(), state);
            assertEquals(0, gets[0], "no __get reached the host the second time, " + context.storeReads() + " keys");
            org.assertj.core.api.Assertions.assertThat(context.storeReads()).isGreaterThan(1000);
        }
        // the same two blocks with every __get through the host: the same writes
        var plainContext = new dev.jshrew.host.abi.CallContext();
        List<HostFunction> plain = new dev.jshrew.host.abi.MetashrewAbi(plainContext, line -> {})
                .bind(indexer.imports(), guest).stream()
                        .map(h -> new HostFunction(h.module(), h.name(), h.signature(), h.implementation()::call))
                        .toList();
        try (ModuleInstance i = indexer.instantiate(plain, new InstanceOptions(65536, 8L << 20))) {
            indexAt(i, plainContext, 840244, block.bytes(), state);
            assertEquals(
                    hex(plainContext.writes().sorted()), hex(context.writes().sorted()));
            org.assertj.core.api.Assertions.assertThat(context.writes().sorted())
                    .isNotEmpty();
        }
    }

    /** Indexes {@code block} at {@code height}, reading {@code state} (keys missing from it read as empty). */
    private static void indexAt(
            ModuleInstance i,
            dev.jshrew.host.abi.CallContext context,
            long height,
            byte[] block,
            Map<byte[], byte[]> state) {
        context.arm(
                dev.jshrew.host.abi.CallContext.Mode.INDEX,
                height,
                block,
                key -> state.getOrDefault(key, new byte[0]),
                false);
        i.call("_start");
    }

    private static List<String> hex(java.util.NavigableMap<byte[], byte[]> writes) {
        var hex = java.util.HexFormat.of();
        return writes.entrySet().stream()
                .map(e -> hex.formatHex(e.getKey()) + "=" + hex.formatHex(e.getValue()))
                .toList();
    }

    @Test
    void theRewriteRefusesPairsOfImportsThatAreNotFastCalls() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new ResettableModule.Options(16, false, java.util.Set.of(0), Map.of(0, 1)),
                "a pair of imports that are not fast calls");
    }
}
