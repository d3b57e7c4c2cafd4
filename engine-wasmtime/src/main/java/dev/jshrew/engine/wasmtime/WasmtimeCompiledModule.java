package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.memory.rewrite.ResettableModule;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A validated module and the wasmtime compilations made from it, one per guest limit and kind: the reference
 * module ({@link ModuleShape#patched}: the declared maximum capped at the limit, the start function exported)
 * and the {@link ResettableModule} rewrite for committed instances. The reference for the module's own limit is
 * compiled at once (that is the validation); the others when first instantiated. Thread-safe; the engine
 * disposes the compilations when it closes.
 */
final class WasmtimeCompiledModule implements CompiledModule {
    private final WasmtimeEngine engine;
    private final String name;
    private final byte[] wasm;
    private final ModuleShape shape;
    private final Map<Integer, PreparedModule> reference = new ConcurrentHashMap<>();
    private final Map<Integer, PreparedModule> resettable = new ConcurrentHashMap<>();
    private volatile boolean disposed;

    private WasmtimeCompiledModule(WasmtimeEngine engine, String name, byte[] wasm, ModuleShape shape) {
        this.engine = engine;
        this.name = name;
        this.wasm = wasm;
        this.shape = shape;
    }

    static WasmtimeCompiledModule compile(WasmtimeEngine engine, String name, byte[] wasm) {
        ModuleShape shape;
        try {
            shape = ModuleShape.of(wasm);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // Not readable as a module: let wasmtime say what is wrong, in its words.
            Module m = prepareModule(engine, name, wasm);
            m.dispose();
            throw new JshrewException(ErrorCode.MODULE_INVALID, "engine wasmtime, module " + name + ": cannot read the module: " + e.getMessage(), e);
        }
        WasmtimeCompiledModule module = new WasmtimeCompiledModule(engine, name, wasm.clone(), shape);
        module.reference(module.ownLimit());
        return module;
    }

    private int ownLimit() {
        return shape.memory().map(MemoryLimits::effectiveMaximumPages).orElse(MemoryLimits.MAX_PAGES);
    }

    private static Module prepareModule(WasmtimeEngine engine, String name, byte[] bytes) {
        try {
            return Module.fromBinary(engine.engine(), bytes);
        } catch (WasmtimeException e) {
            throw new JshrewException(ErrorCode.MODULE_INVALID, "engine wasmtime, module " + name + ": not a valid WebAssembly module: "
                    + e.getMessage(), e);
        }
    }

    private PreparedModule prepare(byte[] bytes, ModuleShape preparedShape) {
        Module m = prepareModule(engine, name, bytes);
        return new PreparedModule(m, m.imports(), preparedShape);
    }

    private PreparedModule reference(int limitPages) {
        return reference.computeIfAbsent(limitPages, limit -> {
            ensureNotDisposed();
            return prepare(patch(shape, OptionalInt.of(limit)), shape);
        });
    }

    private byte[] patch(ModuleShape s, OptionalInt limit) {
        try {
            return s.patched(limit);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.MODULE_INVALID, "engine wasmtime, module " + name + ": " + e.getMessage(), e);
        }
    }

    private PreparedModule resettable(int limitPages) {
        return resettable.computeIfAbsent(limitPages, limit -> {
            ensureNotDisposed();
            byte[] rewritten = ResettableModule.rewrite(name, wasm, new ResettableModule.Options(limit, false)).bytes();
            ModuleShape rewrittenShape;
            try {
                rewrittenShape = ModuleShape.of(rewritten);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new JshrewException(ErrorCode.MODULE_INVALID, "engine wasmtime, module " + name + ": cannot read the rewritten module: "
                        + e.getMessage(), e);
            }
            return prepare(patch(rewrittenShape, OptionalInt.empty()), rewrittenShape);
        });
    }

    WasmtimeEngine engine() {
        return engine;
    }

    ModuleShape shape() {
        return shape;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ImportSpec> imports() {
        return shape.imports();
    }

    @Override
    public Optional<FunctionSignature> exportedFunction(String exportName) {
        return shape.exportedFunction(exportName);
    }

    @Override
    public Optional<MemoryLimits> memory() {
        return shape.memory();
    }

    @Override
    public ModuleInstance instantiate(List<HostFunction> hostFunctions, InstanceOptions options) {
        ensureNotDisposed();
        String context = "engine wasmtime, module " + name;
        MemoryLimits declared = shape.memory().orElseThrow(() -> new JshrewException(ErrorCode.LINK, context + ": the module defines no memory"));
        int limit = Math.min(options.memoryLimitPages(), declared.effectiveMaximumPages());
        if (declared.initialPages() > limit) {
            throw new JshrewException(ErrorCode.LINK, context + ": initial memory of " + declared.initialPages()
                    + " pages exceeds the guest memory limit of " + limit + " pages");
        }
        HostImports imports = new HostImports(shape.imports(), hostFunctions, context);
        if (options.commitBytes() > 0) {
            return ResettableInstance.create(this, resettable(limit), imports, declared.initialPages(), limit, options.commitBytes(),
                    engine.commitStrategy());
        }
        return FreshInstance.create(this, reference(limit), imports, limit);
    }

    private void ensureNotDisposed() {
        if (disposed) {
            throw new IllegalStateException("engine wasmtime, module " + name + ": the engine is closed");
        }
    }

    /** Releases every compilation; called by the engine when it closes. */
    void dispose() {
        disposed = true;
        reference.values().forEach(p -> p.module().dispose());
        resettable.values().forEach(p -> p.module().dispose());
        reference.clear();
        resettable.clear();
    }
}
