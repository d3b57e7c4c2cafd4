package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.MemoryStats;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.util.List;

/**
 * The reference instance: the guest module as written (limit and start function patched, see
 * {@link WasmtimeCompiledModule}) in a store of its own, with wasmtime's lazily backed memory. This is what
 * {@code --reset fresh} runs (a new one per block) and what an instance with nothing to commit is.
 * {@link #reset()} instantiates again into a new store: exact by construction, at the cost of an instantiation
 * (about 1 ms) plus releasing the old store (which unmaps what the guest touched).
 */
final class FreshInstance extends WasmtimeModuleInstance {
    private static final FunctionSignature VOID = FunctionSignature.of(List.of(), List.of());

    private final PreparedModule prepared;
    private LiveInstance live;
    private long cachedBytes = -1;

    private FreshInstance(WasmtimeCompiledModule module, PreparedModule prepared, HostImports imports, int limitPages) {
        super(module, imports, limitPages);
        this.prepared = prepared;
    }

    static FreshInstance create(
            WasmtimeCompiledModule module, PreparedModule prepared, HostImports imports, int limitPages) {
        FreshInstance instance = new FreshInstance(module, prepared, imports, limitPages);
        instance.instantiate();
        return instance;
    }

    private void instantiate() {
        try {
            live = LiveInstance.create(
                    module.engine(),
                    prepared,
                    store -> imports.funcs(store, prepared.imports(), this, null, null, null));
        } catch (WasmFunctionError | WasmtimeException e) {
            rethrowHostFailure();
            throw Traps.translate(e, context() + ": instantiation failed");
        } catch (GuestTrapException e) {
            throw e;
        } catch (JshrewException e) {
            throw e.within(context());
        }
        cachedBytes = -1;
        try {
            live.reservation(); // fails now, not at the first host call, for a memory too large to find
            if (prepared.facts().hasStart()) {
                callRaw(WasmtimeCompiledModule.START_EXPORT, VOID, new long[0]);
            }
        } catch (RuntimeException | Error e) { // release the store whatever failed, then report it unchanged
            live.dispose();
            live = null;
            throw e;
        }
    }

    @Override
    LiveInstance live() {
        return live;
    }

    @Override
    long guestBytes() {
        if (cachedBytes < 0) {
            cachedBytes = live.physicalBytes();
        }
        return cachedBytes;
    }

    @Override
    void sizeMayHaveChanged() {
        cachedBytes = -1;
    }

    @Override
    public void reset() {
        ensureUsable();
        LiveInstance old = live;
        live = null;
        old.dispose();
        try {
            instantiate();
        } catch (RuntimeException | Error e) { // whatever failed, this instance has no store any more
            markBroken("a failed re-instantiation");
            throw e;
        }
    }

    @Override
    public MemoryStats memoryStats() {
        ensureOpen();
        int pages = live == null ? 0 : live.physicalPages();
        // wasm memory never shrinks within an instance: its size is its high-water mark
        return new MemoryStats(pages, pages, limitPages, 0);
    }

    @Override
    void release() {
        if (live != null) {
            live.dispose();
            live = null;
        }
    }
}
