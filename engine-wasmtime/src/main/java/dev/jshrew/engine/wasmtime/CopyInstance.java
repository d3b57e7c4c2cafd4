package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.GuestCopySource;
import dev.jshrew.api.engine.MemoryLimits;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Store;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An instance, in a guest's store, of a small module that holds a copy of host state in its memory and answers the
 * rewritten guest from it: {@link dev.jshrew.engine.toolkit.wasm.KeyFilterModule} (a {@link
 * dev.jshrew.api.engine.KeyFilter}) or {@link dev.jshrew.engine.toolkit.wasm.ValueTableModule} (a {@link
 * dev.jshrew.api.engine.ValueTable}). Its exported functions are linked to the rewrite's imports, so a read it answers
 * costs wasm-to-wasm calls instead of a host call. {@link #sync} brings its memory up to date before each export call;
 * until the first, the copy is all zeros, which both modules read as "off". Confined to the guest's thread.
 */
final class CopyInstance {
    private final Store<Void> store;
    private final String what;
    private final Instance instance;
    private final Memory memory;
    private final Func[] funcs;
    private long generation = -1;

    private CopyInstance(Store<Void> store, String what, Instance instance, Memory memory, Func[] funcs) {
        this.store = store;
        this.what = what;
        this.instance = instance;
        this.memory = memory;
        this.funcs = funcs;
    }

    /**
     * @param what for messages ("the key filter")
     * @param funcExports the exported functions to link, in the order {@link #funcs()} gives them
     */
    static CopyInstance create(
            Store<Void> store,
            String what,
            io.github.kawamuray.wasmtime.Module module,
            String memoryExport,
            String... funcExports) {
        Instance instance = new Instance(store, module, List.of());
        Memory memory = null;
        try {
            memory = instance.getMemory(store, memoryExport).orElseThrow();
            Func[] funcs = new Func[funcExports.length];
            for (int i = 0; i < funcs.length; i++) {
                funcs[i] = instance.getFunc(store, funcExports[i]).orElseThrow();
            }
            return new CopyInstance(store, what, instance, memory, funcs);
        } catch (RuntimeException e) {
            if (memory != null) {
                memory.dispose();
            }
            instance.dispose();
            throw e;
        }
    }

    /** The functions, for the guest's imports; disposed with the guest's imports. */
    Func[] funcs() {
        return funcs.clone();
    }

    /** Copies what changed in {@code source} since the last sync (everything the first time, or when far behind). */
    void sync(GuestCopySource source) {
        long bytes = source.copyBytes();
        int pages = (int) ((bytes + MemoryLimits.PAGE_SIZE - 1) / MemoryLimits.PAGE_SIZE);
        int have = memory.size(store);
        if (have < pages && memory.grow(store, pages - have) < 0) {
            throw new JshrewException(
                    ErrorCode.ENGINE_LIMIT,
                    "engine wasmtime: the instance of " + what + " could not grow to " + pages + " pages");
        }
        MemorySegment copy = MemorySegment.ofBuffer(memory.buffer(store));
        generation = source.copyTo(copy, generation);
    }

    /**
     * Switches the copy off until the next {@link #sync}: the start function a reset reruns, which no export call
     * armed the copy for, asks the host for every key, as on an instance without one.
     */
    void deactivate() {
        MemorySegment.ofBuffer(memory.buffer(store)).set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, 0L);
    }

    /** Idempotent with the store's own disposal (the functions go with the guest's imports). */
    void dispose() {
        memory.dispose();
        instance.dispose();
    }
}
