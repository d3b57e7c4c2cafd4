package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.engine.toolkit.wasm.KeyFilterModule;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Store;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A {@link KeyFilterModule} instance in a guest's store: its {@code test} export is linked to the rewritten
 * guest's key-filter import, so a key the filter surely lacks costs a wasm-to-wasm call instead of a host call.
 * {@link #sync} brings its memory up to date with the host's {@link KeyFilter} before each export call; until the
 * first, the copy is all zeros, which the test reads as "off" (every key may be present). Confined to the guest's
 * thread.
 */
final class FilterInstance {
    private final Store<Void> store;
    private final Instance instance;
    private final Memory memory;
    private final Func test;
    private long generation = -1;

    private FilterInstance(Store<Void> store, Instance instance, Memory memory, Func test) {
        this.store = store;
        this.instance = instance;
        this.memory = memory;
        this.test = test;
    }

    static FilterInstance create(WasmtimeEngine engine, Store<Void> store) {
        Instance instance = new Instance(store, engine.keyFilterModule(), List.of());
        Memory memory = null;
        try {
            memory = instance.getMemory(store, KeyFilterModule.MEMORY_EXPORT).orElseThrow();
            Func test = instance.getFunc(store, KeyFilterModule.TEST_EXPORT).orElseThrow();
            return new FilterInstance(store, instance, memory, test);
        } catch (RuntimeException e) {
            if (memory != null) {
                memory.dispose();
            }
            instance.dispose();
            throw e;
        }
    }

    /** The test function, for the guest's import; disposed with the guest's imports. */
    Func test() {
        return test;
    }

    /** Copies what changed in {@code filter} since the last sync (everything the first time, or when far behind). */
    void sync(KeyFilter filter) {
        long bytes = filter.copyBytes();
        int pages = (int) ((bytes + MemoryLimits.PAGE_SIZE - 1) / MemoryLimits.PAGE_SIZE);
        int have = memory.size(store);
        if (have < pages && memory.grow(store, pages - have) < 0) {
            throw new JshrewException(
                    ErrorCode.ENGINE_LIMIT,
                    "engine wasmtime: the key filter's instance could not grow to " + pages + " pages");
        }
        MemorySegment copy = MemorySegment.ofBuffer(memory.buffer(store));
        generation = filter.copyTo(copy, generation);
    }

    /**
     * Switches the copy off until the next {@link #sync}: the start function a reset reruns, which no export call
     * armed the filter for, asks the host for every key, as on an instance without a filter.
     */
    void deactivate() {
        MemorySegment.ofBuffer(memory.buffer(store)).set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, 0L);
    }

    /** Idempotent with the store's own disposal (the test function goes with the guest's imports). */
    void dispose() {
        memory.dispose();
        instance.dispose();
    }
}
