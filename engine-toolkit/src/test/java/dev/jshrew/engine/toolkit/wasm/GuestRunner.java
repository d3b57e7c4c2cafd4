package dev.jshrew.engine.toolkit.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs metashrew guests block by block on Chicory, either as the original module instantiated fresh for every
 * block ({@link Fresh}) or as the rewritten module instantiated once and reset in place between blocks
 * ({@link Reset}). The host side follows METASHREW-ABI §1.3 closely enough for comparisons: a map store whose
 * writes a block makes become visible only after the block succeeded, protobuf {@code __flush} decoding,
 * buffer-pointer checks, and host memory accesses bounds-checked against the guest-visible size (for the rewritten
 * module that is the exported virtual page count, not the physical memory).
 */
abstract class GuestRunner implements AutoCloseable {
    enum Engine {
        INTERPRETER,
        COMPILER
    }

    /** Drops the instance; never throws. */
    @Override
    public abstract void close();

    /** What one block did: "ok", "failed" (no flush, or a failure flag) or "trap:KIND", and the pairs it flushed. */
    record Outcome(String result, List<String> flushed) {
        boolean trapped() {
            return result.startsWith("trap:");
        }

        @Override
        public String toString() {
            return result + " " + flushed.size() + " items"
                    + (flushed.isEmpty() ? "" : " first=" + abbreviate(flushed.getFirst()));
        }

        private static String abbreviate(String s) {
            return s.length() > 80 ? s.substring(0, 80) + "…" : s;
        }
    }

    /** A trap raised by a host function (it propagates through the engine unchanged). */
    static final class HostTrap extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HostTrap(String message) {
            super(message, null, false, false);
        }
    }

    /** The committed store: hex key -> value. */
    final Map<String, byte[]> store = new LinkedHashMap<>();
    /** Grow hook calls (old, new) in order; only the rewritten module calls it. */
    final List<int[]> hookCalls = new ArrayList<>();

    final List<String> logs = new ArrayList<>();

    private int height;
    private byte[] payload = new byte[0];
    private final List<byte[]> flushedItems = new ArrayList<>();
    private boolean flushedOk;
    private boolean failure;

    /** The instance the host functions act on. */
    protected abstract Instance current();

    /** Pages the guest can see (the host checks its accesses against this). */
    protected abstract long visiblePages();

    static WasmModule parse(byte[] wasm) {
        return Parser.parse(wasm);
    }

    static Function<Instance, Machine> machines(WasmModule module, Engine engine) {
        return engine == Engine.COMPILER ? MachineFactoryCompiler.compile(module) : InterpreterMachine::new;
    }

    /** Runs {@code _start} on a block at {@code height}; the input is u32le(height) ‖ payload. */
    final Outcome run(int height, byte[] payload) {
        this.height = height;
        this.payload = payload;
        flushedItems.clear();
        flushedOk = false;
        failure = false;
        String result;
        try {
            prepare();
            current().export("_start").apply();
            result = flushedOk && !failure ? "ok" : "failed";
        } catch (RuntimeException | StackOverflowError e) {
            result = "trap:" + classify(e);
        }
        List<String> items = new ArrayList<>();
        for (byte[] b : flushedItems) {
            items.add(HexFormat.of().formatHex(b));
        }
        if (result.equals("ok")) {
            for (int i = 0; i + 1 < flushedItems.size(); i += 2) {
                store.put(HexFormat.of().formatHex(flushedItems.get(i)), flushedItems.get(i + 1));
            }
        }
        return new Outcome(result, items);
    }

    /** Makes the instance ready for a block (fresh: instantiate; reset: reset unless it is the first block). */
    protected abstract void prepare();

    static String classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HostTrap h) {
                return "host:" + h.getMessage();
            }
            if (t instanceof StackOverflowError) {
                return "stack";
            }
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("out of bounds memory access")) {
            return "memory-out-of-bounds";
        } else if (m.contains("unreachable")) {
            return "unreachable";
        } else if (m.contains("out of bounds table access") || m.contains("undefined element")) {
            return "table-out-of-bounds";
        } else if (m.contains("uninitialized element")) {
            return "uninitialized-element";
        }
        return e.getClass().getSimpleName() + ":" + m;
    }

    // ---- host functions (metashrew env.* and jshrew.grow) ----

    final ImportValues imports(WasmModule module) {
        List<HostFunction> fns = new ArrayList<>();
        fns.add(fn("env", "__host_len", List.of(), List.of(ValType.I32), a -> new long[] {payload.length + 4}));
        fns.add(fn("env", "__load_input", List.of(ValType.I32), List.of(), a -> {
            byte[] input = new byte[payload.length + 4];
            input[0] = (byte) height;
            input[1] = (byte) (height >>> 8);
            input[2] = (byte) (height >>> 16);
            input[3] = (byte) (height >>> 24);
            System.arraycopy(payload, 0, input, 4, payload.length);
            write(a[0], input);
            return null;
        }));
        fns.add(fn("env", "__get_len", List.of(ValType.I32), List.of(ValType.I32), a -> {
            byte[] key = buffer(a[0]);
            if (key == null) {
                return new long[] {0x7FFFFFFF};
            }
            byte[] v = store.get(HexFormat.of().formatHex(key));
            return new long[] {v == null ? 0 : v.length};
        }));
        fns.add(fn("env", "__get", List.of(ValType.I32, ValType.I32), List.of(), a -> {
            byte[] key = buffer(a[0]);
            if (key == null) {
                write((a[1] - 4) & 0xFFFFFFFFL, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F});
                return null;
            }
            byte[] v = store.get(HexFormat.of().formatHex(key));
            if (v != null && v.length > 0) {
                write(a[1], v);
            }
            return null;
        }));
        fns.add(fn("env", "__flush", List.of(ValType.I32), List.of(), a -> {
            byte[] buf = buffer(a[0]);
            List<byte[]> items = buf == null ? null : decodeFlush(buf);
            if (items == null) {
                failure = true;
            } else {
                flushedItems.addAll(items);
                flushedOk = true;
            }
            return null;
        }));
        fns.add(fn("env", "__log", List.of(ValType.I32), List.of(), a -> {
            byte[] b = buffer(a[0]);
            if (b != null) {
                logs.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
            }
            return null;
        }));
        fns.add(fn("env", "abort", List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of(), a -> {
            failure = true;
            throw new HostTrap("abort");
        }));
        fns.add(fn("other", "unknown", List.of(), List.of(), a -> {
            throw new HostTrap("unknown import other.unknown");
        }));
        fns.add(fn(
                ResettableModule.HOOK_MODULE,
                ResettableModule.GROW_HOOK,
                List.of(ValType.I32, ValType.I32),
                List.of(),
                a -> {
                    hookCalls.add(new int[] {(int) a[0], (int) a[1]});
                    return null;
                }));
        // only what the module imports (Chicory refuses nothing extra, but keep the set minimal)
        List<HostFunction> wanted = new ArrayList<>();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            var imp = module.importSection().getImport(i);
            fns.stream()
                    .filter(f -> f.module().equals(imp.module()) && f.name().equals(imp.name()))
                    .findFirst()
                    .ifPresent(wanted::add);
        }
        return ImportValues.builder().withFunctions(new ArrayList<>(wanted)).build();
    }

    private static HostFunction fn(
            String module, String name, List<ValType> params, List<ValType> results, Function<long[], long[]> body) {
        return new HostFunction(module, name, FunctionType.of(params, results), (inst, args) -> body.apply(args));
    }

    private long visibleBytes() {
        return visiblePages() * 65536L;
    }

    /** A buffer pointer's bytes (length word at p-4), or null when invalid (ABI §1.2, unsigned pointers). */
    private byte[] buffer(long p) {
        long ptr = p & 0xFFFFFFFFL;
        if (ptr < 4 || ptr > visibleBytes()) {
            return null;
        }
        Memory mem = current().memory();
        long len = mem.readInt((int) (ptr - 4)) & 0xFFFFFFFFL;
        if (ptr + len > visibleBytes()) {
            return null;
        }
        return mem.readBytes((int) ptr, (int) len);
    }

    private void write(long p, byte[] data) {
        long ptr = p & 0xFFFFFFFFL;
        if (ptr + data.length > visibleBytes()) {
            throw new HostTrap("host write out of bounds");
        }
        current().memory().write((int) ptr, data);
    }

    /** KeyValueFlush: repeated bytes list = 1; null when it does not decode. */
    static List<byte[]> decodeFlush(byte[] b) {
        List<byte[]> items = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            long tag = 0;
            int shift = 0;
            while (true) {
                if (i >= b.length || shift > 63) {
                    return null;
                }
                int x = b[i++] & 0xFF;
                tag |= (long) (x & 0x7F) << shift;
                shift += 7;
                if ((x & 0x80) == 0) {
                    break;
                }
            }
            if (tag != 0x0A) {
                return null; // (the real decoder skips unknown fields; the test guests never send any)
            }
            long len = 0;
            shift = 0;
            while (true) {
                if (i >= b.length || shift > 63) {
                    return null;
                }
                int x = b[i++] & 0xFF;
                len |= (long) (x & 0x7F) << shift;
                shift += 7;
                if ((x & 0x80) == 0) {
                    break;
                }
            }
            if (len > b.length - i) {
                return null;
            }
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(b, i, (int) len);
            items.add(o.toByteArray());
            i += (int) len;
        }
        return items;
    }

    /** The original module, instantiated fresh (start function included) for every block. */
    static final class Fresh extends GuestRunner {
        private final WasmModule module;
        private final Function<Instance, Machine> machines;
        private final ImportValues imports;
        private final MemoryLimits limits;
        private Instance instance;

        /** @param limitPages the memory limit to give the guest (-1: the module's own declaration) */
        Fresh(byte[] wasm, Engine engine, int limitPages) {
            this.module = parse(wasm);
            this.machines = machines(module, engine);
            this.imports = imports(module);
            var declared = module.memorySection().orElseThrow().getMemory(0).limits();
            this.limits = limitPages < 0
                    ? null
                    : new MemoryLimits(declared.initialPages(), Math.min(limitPages, declared.maximumPages()));
        }

        @Override
        protected void prepare() {
            instance = null;
            Instance.Builder b = Instance.builder(module)
                    .withImportValues(imports)
                    .withMachineFactory(machines)
                    .withMemoryFactory(ByteArrayMemory::new)
                    .withStart(false);
            if (limits != null) {
                b.withMemoryLimits(limits);
            }
            instance = b.build();
        }

        @Override
        protected Instance current() {
            return instance;
        }

        @Override
        protected long visiblePages() {
            return instance.memory().pages();
        }

        @Override
        public void close() {
            instance = null;
        }
    }

    /** The rewritten module, instantiated once, grown physically to its limit, and reset between blocks. */
    static final class Reset extends GuestRunner {
        final ResettableModule rewritten;
        final Instance instance;
        int blocks;
        /** Wall time of the resets so far, in nanoseconds. */
        long resetNanos;

        Reset(ResettableModule rewritten, Engine engine, boolean growPhysical) {
            this.rewritten = rewritten;
            WasmModule module = parse(rewritten.bytes());
            this.instance = Instance.builder(module)
                    .withImportValues(imports(module))
                    .withMachineFactory(machines(module, engine))
                    .withMemoryFactory(ByteArrayMemory::new)
                    .withStart(false)
                    .build();
            if (growPhysical) {
                int physical = instance.memory().pages();
                long old = instance.export(ResettableModule.GROW_PHYSICAL_EXPORT)
                        .apply(rewritten.limitPages() - physical)[0];
                if ((int) old != physical) {
                    throw new IllegalStateException("physical grow to " + rewritten.limitPages() + " failed: " + old);
                }
            }
        }

        int pages() {
            return (int)
                    instance.exports().global(ResettableModule.PAGES_EXPORT).getValue();
        }

        int highWater() {
            return (int) instance.exports()
                    .global(ResettableModule.HIGH_WATER_EXPORT)
                    .getValue();
        }

        void reset() {
            long t0 = System.nanoTime();
            instance.export(ResettableModule.RESET_EXPORT).apply();
            resetNanos += System.nanoTime() - t0;
        }

        @Override
        protected void prepare() {
            if (blocks++ > 0) {
                int hooks = hookCalls.size();
                reset();
                if (!rewritten.hasStartFunction() && hookCalls.size() != hooks) {
                    throw new IllegalStateException("reset called the grow hook");
                }
            }
        }

        @Override
        protected Instance current() {
            return instance;
        }

        @Override
        protected long visiblePages() {
            return pages();
        }

        @Override
        public void close() {}
    }
}
