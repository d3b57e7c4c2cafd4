package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.ValueTable;
import dev.jshrew.api.engine.ValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host of {@code cached-read.wasm}'s keyed length ({@code env.len}, offering a key filter and a value table) and
 * its companion ({@code env.get}), for the tests of what wasmtime answers in the guest: it records each call that
 * reaches it and answers from {@link #values}.
 */
final class ReadHost {
    static final FunctionSignature I_I = FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));
    static final FunctionSignature II_V = FunctionSignature.of(List.of(ValueType.I32, ValueType.I32), List.of());
    static final int KEY = 0x1000, OUT = 0x4000;
    static final long FILL = 0xEEEE_EEEE_EEEE_EEEEL;
    static final int INVALID = 0x7FFF_FFFF;

    /** Each call that reached the host: {@code len N}, {@code get N}, or {@code … invalid}. */
    final List<String> calls = new ArrayList<>();
    /** The host's values, by key ({@link Arrays#toString}); absent: none. */
    final Map<String, byte[]> values = new HashMap<>();

    private final KeyFilter filter;
    private final ValueTable table;

    ReadHost(KeyFilter filter, ValueTable table) {
        this.filter = filter;
        this.table = table;
    }

    /** The key buffer at ptr, or null when it is not inside memory (as the metashrew ABI judges it). */
    static byte[] key(GuestMemory memory, long ptr) {
        long size = memory.byteSize();
        if (ptr < 4 || ptr > size) {
            return null;
        }
        long len = memory.readInt(ptr - 4) & 0xFFFF_FFFFL;
        return ptr + len > size ? null : memory.read(ptr, (int) len);
    }

    byte[] value(byte[] key) {
        return values.getOrDefault(Arrays.toString(key), new byte[0]);
    }

    /** A new {@code env.len}, offering this host's filter and table. */
    HostFunction.ValueLength length() {
        return new HostFunction.ValueLength() {
            private byte[] last;

            @Override
            public long[] call(GuestMemory memory, long[] args) {
                last = null;
                byte[] key = key(memory, args[0]);
                if (key == null) {
                    calls.add("len invalid");
                    return new long[] {INVALID};
                }
                calls.add("len " + key.length);
                last = value(key);
                return new long[] {last.length};
            }

            @Override
            public String companion() {
                return "get";
            }

            @Override
            public byte[] lastValue() {
                return last;
            }

            @Override
            public KeyFilter keyFilter() {
                return filter;
            }

            @Override
            public ValueTable valueTable() {
                return table;
            }
        };
    }

    /** A committed instance of {@code module} (16 pages, 1 MiB committed) with this host's two functions. */
    ModuleInstance instance(CompiledModule module) {
        HostFunction.Restartable get = (memory, args) -> {
            byte[] key = key(memory, args[0]);
            calls.add("get " + (key == null ? "invalid" : key.length));
            byte[] value = key == null ? new byte[0] : value(key);
            if (value.length > 0) {
                memory.write(args[1], value);
            }
            return new long[0];
        };
        return module.instantiate(
                List.of(new HostFunction("env", "len", I_I, length()), new HostFunction("env", "get", II_V, get)),
                new InstanceOptions(16, 1L << 20));
    }

    /** {@code len(KEY)} then {@code get(KEY, OUT)} in one export call, OUT filled and the calls cleared first. */
    long lenGet(ModuleInstance i, byte[] key) {
        WasmtimeCachedReadTest.put(i, KEY, key);
        for (int k = -2; k < 80; k++) {
            i.call("store64", OUT + 8L * k, FILL);
        }
        calls.clear();
        return i.call("len_get", KEY, OUT, 0, 0, KEY)[0];
    }
}
