package dev.jshrew.engine.wasmtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.ValueTable;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The value table on a committed instance: a keyed length whose {@link HostFunction.ValueLength#valueTable()} holds
 * a current entry of the key is answered in the guest (the value's length, and its companion writes the value),
 * every other key reaches the host. The host below answers with other values than the table's where that tells who
 * answered.
 */
class WasmtimeValueTableTest {
    private static final int OUT = ReadHost.OUT;

    private static dev.jshrew.api.engine.WasmEngine engine;
    private static CompiledModule module;

    private final KeyFilter filter = new KeyFilter(KeyFilter.MIN_LOG2_WORDS);
    private final ValueTable table = new ValueTable(ValueTable.MIN_LOG2_SLOTS);
    private final ReadHost host = new ReadHost(filter, table);
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

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void assertWritten(ModuleInstance i, byte[] value, String what) {
        assertArrayEquals(value, i.memory().read(OUT, value.length), what);
        byte[] after = i.memory().read(OUT + value.length, 8);
        for (byte b : after) {
            assertEquals((byte) 0xEE, b, what + ": nothing written past the value");
        }
    }

    @Test
    void aKeyTheTableHoldsIsAnsweredInTheGuestAtEveryLength() {
        int[] keyLengths = {4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 127, 128};
        int[] valueLengths = {0, 1, 3, 7, 8, 9, 16, 17, 100, 127, 128};
        table.setActive(true);
        try (ModuleInstance i = instance()) {
            int n = 0;
            for (int kl : keyLengths) {
                for (int vl : valueLengths) {
                    byte[] key = bytes(kl, n);
                    byte[] value = bytes(vl, 1000 + n++);
                    filter.add(key);
                    table.put(key, value);
                    values.put(Arrays.toString(key), new byte[] {9, 9}); // the host would say otherwise
                    assertEquals(vl, lenGet(i, key), "key " + kl + ", value " + vl);
                    assertEquals(List.of(), calls, "no host call, key " + kl + ", value " + vl);
                    assertWritten(i, value, "key " + kl + ", value " + vl);
                }
            }
        }
    }

    @Test
    void anyOtherKeyReachesTheHost() {
        table.setActive(true);
        byte[] held = bytes(40, 1);
        // a key of the same slot, hash and length aside: the guest compares every chunk
        byte[] sameSlot = null;
        for (int seed = 2; sameSlot == null; seed++) {
            byte[] candidate = bytes(40, seed);
            if ((KeyFilter.hash(candidate) & (table.slots() - 1)) == (KeyFilter.hash(held) & (table.slots() - 1))) {
                sameSlot = candidate;
            }
        }
        byte[] lastByte = held.clone();
        lastByte[39] ^= 1; // differs in the last chunk only
        byte[] tooLong = bytes(129, 3);
        byte[] tooShort = bytes(3, 4);
        for (byte[] k : List.of(held, sameSlot, lastByte, tooLong, tooShort)) {
            filter.add(k);
            values.put(Arrays.toString(k), bytes(5, k.length));
        }
        table.put(held, bytes(6, 99));
        table.put(tooLong, bytes(6, 99)); // not kept: too long
        try (ModuleInstance i = instance()) {
            assertEquals(6, lenGet(i, held));
            assertEquals(List.of(), calls);
            for (byte[] k : List.of(sameSlot, lastByte, tooLong, tooShort)) {
                assertEquals(5, lenGet(i, k), "key of " + k.length);
                assertEquals("len " + k.length, calls.get(0), "the host answers, key of " + k.length);
                assertWritten(i, bytes(5, k.length), "the host's value, key of " + k.length);
            }
            table.put(sameSlot, bytes(7, 98)); // replaces held in its slot
            assertEquals(7, lenGet(i, sameSlot));
            assertEquals(List.of(), calls);
            assertEquals(5, lenGet(i, held));
            assertEquals(List.of("len 40"), calls, "replaced: the host answers held");
        }
    }

    @Test
    void anOffClearedOrUpdatedTableIsFollowedFromTheNextCall() {
        byte[] key = bytes(33, 5);
        filter.add(key);
        values.put(Arrays.toString(key), bytes(3, 6));
        table.put(key, bytes(10, 7));
        try (ModuleInstance i = instance()) {
            assertEquals(3, lenGet(i, key));
            assertEquals(List.of("len 33"), calls, "off (as made): the host answers");
            table.setActive(true);
            assertEquals(10, lenGet(i, key));
            assertEquals(List.of(), calls);
            table.update(key, bytes(12, 8));
            assertEquals(12, lenGet(i, key));
            assertWritten(i, bytes(12, 8), "the updated value");
            table.update(key, bytes(129, 9)); // no longer fits: dropped
            assertEquals(3, lenGet(i, key));
            assertEquals("len 33", calls.get(0));
            table.put(key, bytes(10, 7));
            table.clear();
            assertEquals(3, lenGet(i, key));
            assertEquals("len 33", calls.get(0), "cleared: the host answers");
            table.put(key, bytes(11, 10));
            assertEquals(11, lenGet(i, key));
            assertEquals(List.of(), calls);
            i.reset(); // the table's copy outlives a reset
            assertEquals(11, lenGet(i, key));
            assertEquals(List.of(), calls);
            // more changes between two calls than the journal keeps: the next call copies the table whole
            Random random = new Random(11);
            List<byte[]> keys = new ArrayList<>();
            for (int n = 0; n < 3000; n++) {
                byte[] k = bytes(4 + random.nextInt(60), 20_000 + n);
                keys.add(k);
                filter.add(k);
                table.put(k, bytes(random.nextInt(20), 40_000 + n));
            }
            int answered = 0;
            for (byte[] k : keys) {
                byte[] expected = table.get(k);
                long length = lenGet(i, k);
                if (expected != null) {
                    assertEquals(expected.length, length);
                    assertEquals(List.of(), calls);
                    assertWritten(i, expected, "a key the table holds");
                    answered++;
                } else {
                    assertEquals("len " + k.length, calls.get(0), "a key replaced in its slot reaches the host");
                }
            }
            assertThat(answered).as("keys still in their slots").isBetween(500, 1024);
        }
    }
}
