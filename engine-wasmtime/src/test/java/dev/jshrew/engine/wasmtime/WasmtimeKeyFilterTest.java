package dev.jshrew.engine.wasmtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The key filter on a committed instance: a keyed length whose {@link HostFunction.ValueLength#keyFilter()} surely
 * lacks a key is answered in the guest (0, and its companion writes nothing), every other key reaches the host. The
 * guest's hash must be exactly {@link KeyFilter#hash}: a key the filter holds that the guest answered itself would
 * read as missing.
 */
class WasmtimeKeyFilterTest {
    private static final int KEY = ReadHost.KEY, OUT = ReadHost.OUT;
    private static final long FILL = ReadHost.FILL;
    private static final int INVALID = ReadHost.INVALID;

    private static dev.jshrew.api.engine.WasmEngine engine;
    private static CompiledModule module;

    private final KeyFilter filter = new KeyFilter(KeyFilter.MIN_LOG2_WORDS);
    private final ReadHost host = new ReadHost(filter, null);
    private final List<String> calls = host.calls;
    private final Map<String, byte[]> values = host.values;

    @BeforeAll
    static void start() {
        engine = new WasmtimeEngineProvider().create(EngineContext.of(Map.of(), new CommittedMemoryProvider()));
        module = engine.compile("cached-read.wasm", WasmtimeEngineTest.wasm("cached-read.wasm"));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private ModuleInstance instance() {
        return host.instance(module);
    }

    private long lenGet(ModuleInstance i, byte[] key) {
        return host.lenGet(i, key);
    }

    private static byte[] randomKey(Random random, int maxLength) {
        byte[] key = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(key);
        return key;
    }

    @Test
    void aKeyTheFilterLacksIsAnsweredInTheGuest() {
        int[] lengths = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 127, 128, 129, 300};
        try (ModuleInstance i = instance()) {
            for (int length : lengths) {
                byte[] key = new byte[length];
                Arrays.fill(key, (byte) (length + 1));
                assertThat(filter.mayContain(key)).as("an empty filter").isFalse();
                assertEquals(0, lenGet(i, key), "length " + length);
                // the length's call is the guest's; a key it kept (4 to 128 bytes) answers the companion too
                List<String> expected = length >= 4 && length <= 128 ? List.of() : List.of("get " + length);
                assertEquals(expected, calls, "key of " + length + " bytes");
                for (int k = -2; k < 80; k++) {
                    assertEquals(FILL, i.call("load64", OUT + 8L * k)[0], "nothing written, key of " + length);
                }
            }
        }
    }

    @Test
    void everyKeyTheFilterHoldsReachesTheHost() {
        Random random = new Random(1);
        try (ModuleInstance i = instance()) {
            for (int n = 0; n < 2000; n++) {
                byte[] key = randomKey(random, 200);
                byte[] value = randomKey(random, 40);
                values.put(Arrays.toString(key), value);
                filter.add(key); // between export calls: the next call sees it
                assertEquals(value.length, lenGet(i, key), "key " + n);
                assertEquals("len " + key.length, calls.get(0), "key " + n + " reaches the host");
                assertArrayEquals(value, i.memory().read(OUT, value.length), "key " + n);
            }
        }
    }

    @Test
    void theHostIsAskedExactlyWhenTheFilterMayHoldTheKey() {
        Random random = new Random(2);
        for (int n = 0; n < 3000; n++) { // a filter of 8 KiB with 3,000 keys: many false positives to tell apart
            filter.add(randomKey(random, 90));
        }
        int asked = 0, tried = 4000;
        try (ModuleInstance i = instance()) {
            for (int n = 0; n < tried; n++) {
                byte[] key = randomKey(random, 90);
                lenGet(i, key);
                boolean hostAsked = !calls.isEmpty() && calls.get(0).startsWith("len");
                assertEquals(filter.mayContain(key), hostAsked, "key " + n + " of " + key.length + " bytes");
                asked += hostAsked ? 1 : 0;
            }
        }
        assertThat(asked).as("false positives of a full filter").isBetween(1, tried - 1);
    }

    @Test
    void anInactiveOrUnfilledFilterSendsEveryKeyToTheHostAndManyAddsAreCopiedWhole() {
        byte[] key = "a key nobody wrote".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] present = "a key with a value".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        values.put(Arrays.toString(present), new byte[] {1, 2, 3});
        filter.add(present);
        try (ModuleInstance i = instance()) {
            assertEquals(0, lenGet(i, key));
            assertEquals(List.of(), calls);
            filter.setActive(false);
            assertEquals(0, lenGet(i, key));
            assertEquals(List.of("len " + key.length), calls, "off: the host answers");
            filter.setActive(true);
            filter.incomplete();
            assertEquals(0, lenGet(i, key));
            assertEquals(List.of("len " + key.length), calls, "still being filled: the host answers");
            filter.complete();
            // more changes between two calls than the filter's journal keeps: the next call copies it whole
            Random random = new Random(3);
            List<byte[]> added = new ArrayList<>();
            for (int n = 0; n < 2000; n++) {
                added.add(randomKey(random, 60));
                filter.add(added.get(n));
            }
            for (byte[] k : added) {
                lenGet(i, k);
                assertEquals("len " + k.length, calls.get(0), "an added key reaches the host");
            }
            assertEquals(3, lenGet(i, present));
            assertEquals(List.of("len " + present.length), calls);
            i.reset(); // the filter's copy outlives a reset
            assertEquals(3, lenGet(i, present));
            assertEquals(0, lenGet(i, key));
            assertEquals(List.of(), calls);
        }
    }

    @Test
    void theStartFunctionAResetRerunsAsksTheHost() {
        byte[] key = "start-k!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // the host has a value the filter does not hold: whoever answers shows in the result
        values.put(Arrays.toString(key), new byte[] {1, 2, 3});
        CompiledModule starting =
                engine.compile("key-filter-start.wasm", WasmtimeEngineTest.wasm("key-filter-start.wasm"));
        HostFunction.Restartable get = (memory, args) -> new long[0];
        try (ModuleInstance i = starting.instantiate(
                List.of(
                        new HostFunction("env", "len", ReadHost.I_I, host.length()),
                        new HostFunction("env", "get", ReadHost.II_V, get)),
                new InstanceOptions(16, 1L << 20))) {
            assertEquals(3, i.call("seen")[0], "instantiation: no copy of the filter yet, the host answers");
            calls.clear();
            assertEquals(0, i.call("len", 0x104)[0], "an export call: the filter answers");
            assertEquals(List.of(), calls);
            i.reset();
            assertEquals(List.of("len 8"), calls, "the reset's start function asked the host");
            assertEquals(3, i.call("seen")[0]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x10000 - 2, 0x10000})
    void anEmptyKeyAtTheEndOfMemoryIsAValidKey(int ptr) {
        try (ModuleInstance i = instance()) {
            calls.clear();
            assertEquals(0, i.call("len", ptr)[0]);
            assertEquals(List.of(), calls, "its length word is 0 and inside: an empty key the filter lacks");
            filter.add(new byte[0]);
            assertEquals(0, i.call("len", ptr)[0]);
            assertEquals(List.of("len 0"), calls, "held: the host answers");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 0x10001, 0x20000, -4})
    void aKeyBufferOutsideMemoryIsTheHostsToReport(int ptr) {
        try (ModuleInstance i = instance()) {
            calls.clear();
            assertEquals(INVALID, i.call("len", ptr)[0]);
            assertEquals(List.of("len invalid"), calls);
            // a length word that runs past the end
            i.call("store64", 0x10000 - 16, 0x7000_0000L);
            calls.clear();
            assertEquals(INVALID, i.call("len", 0x10000 - 12)[0]);
            assertEquals(List.of("len invalid"), calls);
        }
    }
}
