package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ValueType;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One wasmtime {@code Store} with one instance in it, the host functions made for that store, the instance's
 * exported memory and its base address. Disposing it releases all of them (the store last: it owns the rest, and
 * dropping it drops the binding's host-function registrations). Confined to one thread.
 *
 * <p>The binding hands memory out only as a {@code ByteBuffer}, which cannot describe more than 2 GiB; wasmtime's
 * memories are static 4 GiB reservations whose base never moves when they grow, so the base is taken once, while
 * the memory is small, and the whole reservation is addressed through a {@link MemorySegment} from then on.
 * Nothing here bounds-checks: the owner reads only below the guest's size.
 */
final class LiveInstance {
    private static final long RESERVATION = (long) MemoryLimits.MAX_PAGES * MemoryLimits.PAGE_SIZE;
    private static final Val[] NO_VALS = new Val[0];
    /** The epoch deadline of an untimed call: never reached (10 ms ticks), and far from overflowing wasmtime's u64. */
    static final long NO_DEADLINE = 1L << 62;

    private final Store<Void> store;
    private final List<Func> imports;
    private final Instance instance;
    private final Memory memory;
    private final Map<String, Func> exports = new HashMap<>();
    private MemorySegment reservation;
    private boolean disposed;
    private final boolean timedCalls;

    private LiveInstance(Store<Void> store, List<Func> imports, Instance instance, Memory memory, boolean timedCalls) {
        this.timedCalls = timedCalls;
        this.store = store;
        this.imports = imports;
        this.instance = instance;
        this.memory = memory;
    }

    /**
     * Instantiates {@code module} in a new store; segments are applied, the start function (exported by the
     * patch as {@link WasmtimeCompiledModule#START_EXPORT}) is not run yet.
     *
     * @param funcs makes the import functions for the new store, in the module's import order
     * @throws RuntimeException the binding's exception when instantiation fails (the caller translates it)
     */
    static LiveInstance create(WasmtimeEngine engine, PreparedModule module, Function<Store<Void>, List<Func>> funcs) {
        Store<Void> store = new Store<>(null, engine.engine(module.timedCalls()));
        if (module.timedCalls()) {
            // epoch interruption is on for that engine and a new store's deadline is 0: lift it before any code runs
            store.setEpochDeadline(NO_DEADLINE);
        }
        List<Func> imports = new ArrayList<>();
        Instance instance = null;
        boolean created = false;
        try {
            imports.addAll(funcs.apply(store));
            List<Extern> externs = new ArrayList<>(imports.size());
            for (Func f : imports) {
                externs.add(Extern.fromFunc(f));
            }
            instance = new Instance(store, module.module(), externs);
            Memory memory = instance.getMemory(store, WasmtimeCompiledModule.MEMORY_EXPORT)
                    .orElseThrow(() -> new JshrewException(ErrorCode.LINK, "the module defines no memory"));
            LiveInstance live = new LiveInstance(store, imports, instance, memory, module.timedCalls());
            live.findBase();
            created = true;
            return live;
        } finally {
            if (!created) {
                if (instance != null) {
                    instance.dispose();
                }
                disposeAll(imports, store);
            }
        }
    }

    private static void disposeAll(List<Func> imports, Store<Void> store) {
        imports.forEach(Func::dispose);
        store.dispose();
    }

    /** Whether its code checks the epoch (compiled for calls with a timeout). */
    boolean timedCalls() {
        return timedCalls;
    }

    /** Pages wasmtime has made accessible ({@code memory.size} as wasmtime sees it). */
    int physicalPages() {
        return memory.size(store);
    }

    /** Bytes wasmtime has made accessible. */
    long physicalBytes() {
        return memory.dataSize(store);
    }

    /** Takes the base address now if the memory is small enough to show it (below 2 GiB and not empty). */
    @SuppressWarnings("restricted") // sized to wasmtime's static reservation, which never moves
    private void findBase() {
        long size = physicalBytes();
        if (reservation == null && size > 0 && size <= Integer.MAX_VALUE) {
            long base = MemorySegment.ofBuffer(memory.buffer(store)).address();
            reservation = MemorySegment.ofAddress(base).reinterpret(RESERVATION);
        }
    }

    /**
     * The whole 4 GiB reservation, from the memory's base (taken at instantiation, or at the first call after the
     * memory stopped being empty).
     *
     * @throws JshrewException {@link ErrorCode#ENGINE_LIMIT} when the memory was empty at instantiation and had
     *     reached 2 GiB by the time it was first needed
     */
    MemorySegment reservation() {
        if (reservation == null) {
            findBase();
            if (reservation == null && physicalBytes() > 0) {
                throw new JshrewException(
                        ErrorCode.ENGINE_LIMIT,
                        "engine wasmtime cannot find the base of a memory that is 2 GiB or"
                                + " more: the binding shows memory only as a ByteBuffer, so the "
                                + "base is taken while it is smaller");
            }
        }
        return reservation == null ? MemorySegment.NULL : reservation;
    }

    /**
     * Calls an export with arguments of its signature's types.
     *
     * @param deadlineTicks epoch ticks the call may run (0: no limit); past them it traps with wasmtime's interrupt
     *
     * @throws RuntimeException the binding's exception when the guest traps or a host function failed
     */
    long[] call(String export, FunctionSignature signature, long[] args, long deadlineTicks) {
        Func f = exports.get(export);
        if (f == null) {
            f = instance.getFunc(store, export)
                    .orElseThrow(() -> new JshrewException(ErrorCode.LINK, "no function export '" + export + "'"));
            exports.put(export, f);
        }
        List<ValueType> params = signature.params();
        Val[] vals = params.isEmpty() ? NO_VALS : new Val[params.size()];
        for (int i = 0; i < vals.length; i++) {
            vals[i] = toVal(params.get(i), args[i]);
        }
        Val[] out;
        if (deadlineTicks > 0) {
            store.setEpochDeadline(deadlineTicks);
            try {
                out = f.call(store, vals);
            } finally {
                store.setEpochDeadline(NO_DEADLINE);
            }
        } else {
            out = f.call(store, vals);
        }
        long[] results = new long[out.length];
        for (int i = 0; i < out.length; i++) {
            results[i] = fromVal(out[i]);
        }
        return results;
    }

    static Val toVal(ValueType type, long v) {
        return switch (type) {
            case I32 -> Val.fromI32((int) v);
            case I64 -> Val.fromI64(v);
            case F32 -> Val.fromF32(Float.intBitsToFloat((int) v));
            case F64 -> Val.fromF64(Double.longBitsToDouble(v));
            case V128, FUNCREF, EXTERNREF ->
                throw new JshrewException(
                        ErrorCode.LINK,
                        "engine wasmtime passes only i32, i64, f32 and f64 across the host boundary, not " + type);
        };
    }

    static long fromVal(Val v) {
        return switch (v.getType()) {
            case I32 -> v.i32();
            case I64 -> v.i64();
            case F32 -> Float.floatToRawIntBits(v.f32());
            case F64 -> Double.doubleToRawLongBits(v.f64());
            default ->
                throw new JshrewException(
                        ErrorCode.LINK, "engine wasmtime cannot return a " + v.getType() + " to the host");
        };
    }

    /** Idempotent. */
    void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        exports.values().forEach(Func::dispose);
        exports.clear();
        memory.dispose();
        instance.dispose();
        disposeAll(imports, store);
    }
}
