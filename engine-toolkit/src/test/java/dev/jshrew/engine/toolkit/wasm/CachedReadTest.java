package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The cached-read rewrite ({@link ResettableModule#CACHED_READ_STATUS}) on Chicory's interpreter, with a host that
 * follows the protocol in Java: after a length call that hands its value over, a companion call with an equal key
 * is made in the guest; {@link ResettableModule#FORGET_READS_EXPORT} and the reset (after the start function, which
 * reads a key of its own) forget the kept key; pairs of the wrong types are refused.
 */
class CachedReadTest {
    private static final byte[] GUEST = FeatureModuleTest.resource("cached-read.wasm");
    /** Function imports of the guest, by index. */
    private static final int LEN = 0, GET = 1, PLAIN = 2;

    private static final int KEY = 0x1004, OUT = 0x2000, START_KEY = 0x104;

    /** One rewritten instance and what its host saw. */
    private static final class Run {
        final Instance instance;
        final Map<String, Integer> hostCalls = new HashMap<>();
        final Map<String, byte[]> values = new HashMap<>();

        Run() {
            this(false, null);
        }

        /** @param keyFilter the body of the key-filter import, with {@code keyFilter} */
        Run(boolean keyFilter, java.util.function.LongUnaryOperator filterTest) {
            this(keyFilter, filterTest, null);
        }

        /** @param valueTable the instance of {@link ValueTableModule} the value-table imports call, or null for none */
        Run(boolean keyFilter, java.util.function.LongUnaryOperator filterTest, Instance valueTable) {
            ResettableModule rewritten = ResettableModule.rewrite(
                    "cached-read.wasm",
                    GUEST,
                    new ResettableModule.Options(
                            16, false, Set.of(LEN, GET), Map.of(LEN, GET), keyFilter, valueTable != null));
            List<com.dylibso.chicory.runtime.ImportFunction> added = new ArrayList<>();
            if (keyFilter) {
                added.add(new HostFunction(
                        ResettableModule.HOOK_MODULE,
                        ResettableModule.KEY_FILTER_IMPORT,
                        FunctionType.of(List.of(ValType.I64), List.of(ValType.I32)),
                        (inst, args) -> new long[] {filterTest.applyAsLong(args[0])}));
            }
            if (valueTable != null) {
                added.add(new HostFunction(
                        ResettableModule.HOOK_MODULE,
                        ResettableModule.VALUE_FIND_IMPORT,
                        FunctionType.of(List.of(ValType.I64, ValType.I32), List.of(ValType.I32)),
                        (inst, args) ->
                                valueTable.export(ValueTableModule.FIND_EXPORT).apply(args)));
                added.add(new HostFunction(
                        ResettableModule.HOOK_MODULE,
                        ResettableModule.VALUE_CHUNK_IMPORT,
                        FunctionType.of(List.of(ValType.I32), List.of(ValType.I64)),
                        (inst, args) ->
                                valueTable.export(ValueTableModule.CHUNK_EXPORT).apply(args)));
            }
            List<com.dylibso.chicory.runtime.ImportFunction> fns = new ArrayList<>();
            fns.add(refused("len", List.of(ValType.I32), List.of(ValType.I32)));
            fns.add(refused("get", List.of(ValType.I32, ValType.I32), List.of()));
            fns.add(refused("plain", List.of(ValType.I32), List.of(ValType.I32)));
            values.put("start-k!", bytes("kept by the start function"));
            instance = ProtocolHost.instance(rewritten.bytes(), fns, List.of(LEN, GET), this::fastCall, added);
        }

        /** Every call of these reaches the host through memory: a plain call would be a bug here. */
        private static HostFunction refused(String name, List<ValType> params, List<ValType> results) {
            return new HostFunction("env", name, FunctionType.of(params, results), (inst, args) -> {
                throw new AssertionError("plain call of " + name);
            });
        }

        private byte[] key(Memory memory, long ptr) {
            return memory.readBytes((int) ptr, memory.readInt((int) ptr - 4));
        }

        /** The host side: len hands its value over (status 2) when it is short enough; get writes it. */
        private void fastCall(Memory memory, int f) {
            byte[] key = key(memory, memory.readLong(8));
            byte[] value = values.getOrDefault(new String(key, StandardCharsets.ISO_8859_1), new byte[0]);
            String name = f == LEN ? "len" : "get";
            hostCalls.merge(name, 1, Integer::sum);
            if (f == GET) {
                memory.write((int) memory.readLong(16), value);
                memory.writeLong(0, 1L);
                return;
            }
            memory.writeLong(8, value.length);
            if (value.length > ResettableModule.CACHED_READ_BYTES) {
                memory.writeLong(0, 1L);
                return;
            }
            int at = ResettableModule.fastCallWindowBytes(1);
            if (value.length < 8) {
                memory.write(at, value);
            }
            for (int j = 0; value.length >= 8 && 8 * j < value.length; j++) {
                int from = Math.min(8 * j, value.length - 8);
                memory.write(at + 8 * j, Arrays.copyOfRange(value, from, from + 8));
            }
            memory.writeLong(0, ResettableModule.CACHED_READ_STATUS);
        }

        long call(String export, long... args) {
            long[] out = instance.export(export).apply(args);
            return out == null || out.length == 0 ? 0 : out[0];
        }

        void putKey(long ptr, String key) {
            instance.memory().writeI32((int) ptr - 4, key.length());
            instance.memory().write((int) ptr, bytes(key));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theCompanionOfAKeptKeyIsMadeInTheGuest() {
        Run r = new Run();
        r.values.put("a key of 19 bytes..", bytes("its value, 21 bytes.."));
        r.putKey(KEY, "a key of 19 bytes..");
        r.hostCalls.clear();
        assertEquals(21, r.call("len", KEY));
        r.call("get", KEY, OUT);
        assertEquals(Map.of("len", 1), r.hostCalls, "no host call for the companion");
        assertArrayEquals(bytes("its value, 21 bytes.."), r.instance.memory().readBytes(OUT, 21));
        r.call(ResettableModule.FORGET_READS_EXPORT);
        r.call("get", KEY, OUT + 100);
        assertEquals(Map.of("len", 1, "get", 1), r.hostCalls, "forgotten: the host's call");
        assertArrayEquals(bytes("its value, 21 bytes.."), r.instance.memory().readBytes(OUT + 100, 21));
    }

    @Test
    void theResetForgetsWhatTheStartFunctionKept() {
        Run r = new Run();
        r.hostCalls.clear();
        r.call("get", START_KEY, OUT);
        assertEquals(Map.of(), r.hostCalls, "kept by the start function");
        assertArrayEquals(
                bytes("kept by the start function"), r.instance.memory().readBytes(OUT, 26));
        r.call(ResettableModule.RESET_EXPORT);
        assertEquals(Map.of("len", 1), r.hostCalls, "the reset reruns the start function");
        r.call("get", START_KEY, OUT);
        assertEquals(Map.of("len", 1, "get", 1), r.hostCalls, "and forgets what it kept");
    }

    /**
     * With {@link ResettableModule.Options#keyFilter()} on a second engine (Chicory's interpreter): the guest's
     * {@code len} stand-in hashes the key as {@link dev.jshrew.api.engine.KeyFilter#hash} does and asks {@link
     * KeyFilterModule}'s {@code test}, itself run here from a copy of the host's filter; a key it lacks costs no host
     * call, and its companion none either.
     */
    @Test
    void aKeyTheFilterLacksCostsNoHostCall() {
        var filter = new dev.jshrew.api.engine.KeyFilter(dev.jshrew.api.engine.KeyFilter.MIN_LOG2_WORDS);
        Instance filterInstance = Instance.builder(GuestRunner.parse(KeyFilterModule.bytes()))
                .withMachineFactory(com.dylibso.chicory.runtime.InterpreterMachine::new)
                .build();
        Run r = new Run(true, h -> {
            byte[] copy = new byte[(int) filter.copyBytes()];
            filter.copyTo(java.lang.foreign.MemorySegment.ofArray(copy), -1);
            int pages = (copy.length + 65535) / 65536;
            if (filterInstance.memory().pages() < pages) {
                filterInstance.memory().grow(pages - filterInstance.memory().pages());
            }
            filterInstance.memory().write(0, copy);
            return filterInstance.export(KeyFilterModule.TEST_EXPORT).apply(h)[0];
        });
        java.util.Random random = new java.util.Random(5);
        int present = 0;
        for (int n = 0; n < 600; n++) {
            byte[] key = new byte[4 + random.nextInt(100)];
            random.nextBytes(key);
            String k = new String(key, StandardCharsets.ISO_8859_1);
            if (n % 3 == 0) {
                r.values.put(k, bytes("value " + n));
                filter.add(key);
            }
            r.putKey(KEY, k);
            r.hostCalls.clear();
            long length = r.call("len", KEY);
            r.call("get", KEY, OUT);
            boolean asked = filter.mayContain(key);
            present += asked ? 1 : 0;
            assertEquals(asked ? Map.of("len", 1) : Map.of(), r.hostCalls, "key " + n);
            assertEquals(r.values.containsKey(k) ? ("value " + n).length() : 0, length, "key " + n);
        }
        org.assertj.core.api.Assertions.assertThat(present)
                .as("keys the host answered")
                .isBetween(200, 599);
        assertThrows(
                IllegalArgumentException.class,
                () -> new ResettableModule.Options(16, false, Set.of(LEN, GET), Map.of(), true),
                "a key filter without cached reads");
    }

    /**
     * With {@link ResettableModule.Options#valueTable()} on Chicory's interpreter: the guest's {@code len} stand-in
     * asks {@link ValueTableModule}, itself run here from a copy of a host's {@link dev.jshrew.api.engine.ValueTable},
     * and answers a key whose slot holds it (its length, and the companion writes the value), with no host call; a
     * slot whose hash, length and epoch match but whose key differs in one chunk (a hash collision, made here by
     * changing the copy) leaves the key to the host, as does another epoch.
     */
    @Test
    void aKeyTheValueTableHoldsCostsNoHostCallAndACollisionGoesToTheHost() {
        var table = new dev.jshrew.api.engine.ValueTable(dev.jshrew.api.engine.ValueTable.MIN_LOG2_SLOTS);
        Instance tableInstance = Instance.builder(GuestRunner.parse(ValueTableModule.bytes()))
                .withMachineFactory(com.dylibso.chicory.runtime.InterpreterMachine::new)
                .build();
        Memory copy = tableInstance.memory();
        copy.grow((int) ((table.copyBytes() + 65535) / 65536) - copy.pages());
        Run r = new Run(true, h -> 1, tableInstance); // the filter may hold every key
        String key = "a key of twenty-nine bytes..!";
        byte[] keyBytes = bytes(key);
        r.values.put(key, bytes("the host's value"));
        table.setActive(true);
        table.put(keyBytes, bytes("the table's value, 24 b."));
        byte[] whole = new byte[(int) table.copyBytes()];
        table.copyTo(java.lang.foreign.MemorySegment.ofArray(whole), -1);
        copy.write(0, whole);
        r.putKey(KEY, key);
        r.hostCalls.clear();
        assertEquals(24, r.call("len", KEY));
        r.call("get", KEY, OUT);
        assertEquals(Map.of(), r.hostCalls, "answered from the table");
        assertArrayEquals(bytes("the table's value, 24 b."), r.instance.memory().readBytes(OUT, 24));

        int slot = (int) dev.jshrew.api.engine.KeyFilter.hash(keyBytes) & (table.slots() - 1);
        int chunk2 = dev.jshrew.api.engine.ValueTable.HEADER_BYTES
                + slot * dev.jshrew.api.engine.ValueTable.SLOT_BYTES
                + dev.jshrew.api.engine.ValueTable.CHUNKS_OFFSET
                + 16;
        long original = copy.readLong(chunk2);
        for (long changed : new long[] {original ^ 1, original ^ (1L << 63)}) {
            copy.writeLong(chunk2, changed);
            r.call(ResettableModule.FORGET_READS_EXPORT);
            r.hostCalls.clear();
            assertEquals(16, r.call("len", KEY), "a key that differs from the slot's in one chunk");
            r.call("get", KEY, OUT);
            assertEquals(Map.of("len", 1), r.hostCalls);
            assertArrayEquals(bytes("the host's value"), r.instance.memory().readBytes(OUT, 16));
        }
        copy.writeLong(chunk2, original);
        copy.writeLong(0, copy.readLong(0) + 1); // another epoch: the slot is stale
        r.call(ResettableModule.FORGET_READS_EXPORT);
        r.hostCalls.clear();
        assertEquals(16, r.call("len", KEY));
        assertEquals(Map.of("len", 1), r.hostCalls, "a stale slot");
        copy.writeLong(0, copy.readLong(0) - 1);
        r.call(ResettableModule.FORGET_READS_EXPORT);
        r.hostCalls.clear();
        assertEquals(24, r.call("len", KEY));
        assertEquals(Map.of(), r.hostCalls, "current again");
        assertThrows(
                IllegalArgumentException.class,
                () -> new ResettableModule.Options(16, false, Set.of(LEN, GET), Map.of(LEN, GET), false, true),
                "a value table without a key filter");
    }

    @Test
    void refusesPairsOfOtherTypesOrNotFastCalled() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ResettableModule.rewrite(
                        "cached-read.wasm",
                        GUEST,
                        new ResettableModule.Options(16, false, Set.of(LEN, PLAIN), Map.of(LEN, PLAIN))),
                "a companion of type (i32) -> i32");
        assertThrows(
                IllegalArgumentException.class,
                () -> new ResettableModule.Options(16, false, Set.of(LEN), Map.of(LEN, GET)),
                "a companion that is not a fast call");
        assertThrows(
                IllegalArgumentException.class,
                () -> ResettableModule.rewrite(
                        "cached-read.wasm",
                        GUEST,
                        new ResettableModule.Options(16, false, Set.of(GET, LEN), Map.of(GET, LEN))),
                "the pair the wrong way round");
    }
}
