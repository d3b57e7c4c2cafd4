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
import dev.jshrew.engine.toolkit.wasm.ModuleFacts;
import dev.jshrew.engine.toolkit.wasm.ResettableModule;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A validated module and the wasmtime compilations made from it, one per guest limit and kind: the reference
 * module (patched: the declared maximum capped at the limit, the start function and the memory exported, see
 * {@link #patch}) and the {@link ResettableModule} rewrite for committed instances (patched likewise, but for the
 * maximum). What the binding does not tell about a module (exports, memory limits, the start function) comes from
 * {@link ModuleFacts}. The reference for the module's own limit is
 * compiled at once (that is the validation); the others when first instantiated. Thread-safe; the engine
 * disposes the compilations when it closes.
 */
final class WasmtimeCompiledModule implements CompiledModule {
    /** Export name under which the patch exposes the start function. */
    static final String START_EXPORT = "__jshrew_wasmtime_start";
    /** Export name under which the patch exposes the module's memory (host functions use memory 0). */
    static final String MEMORY_EXPORT = "__jshrew_wasmtime_memory";

    private final WasmtimeEngine engine;
    private final String name;
    private final byte[] wasm;
    private final ModuleFacts facts;
    private final Map<ReferenceKey, PreparedModule> reference = new ConcurrentHashMap<>();
    /** Resettable compilations by guest limit and fast-call imports. */
    private final Map<ResettableKey, PreparedModule> resettable = new ConcurrentHashMap<>();

    /** A plain compilation: by guest limit, and on the engine with or without epoch checks. */
    private record ReferenceKey(int limitPages, boolean timedCalls) {}

    private record ResettableKey(
            boolean timedCalls,
            int limitPages,
            java.util.Set<Integer> fastCalls,
            java.util.Map<Integer, Integer> cachedReads,
            boolean keyFilter,
            boolean valueTable) {}

    private volatile boolean disposed;

    private WasmtimeCompiledModule(WasmtimeEngine engine, String name, byte[] wasm, ModuleFacts facts) {
        this.engine = engine;
        this.name = name;
        this.wasm = wasm;
        this.facts = facts;
    }

    static WasmtimeCompiledModule compile(WasmtimeEngine engine, String name, byte[] wasm) {
        ModuleFacts facts;
        try {
            facts = ModuleFacts.read("engine wasmtime, module " + name, wasm);
        } catch (JshrewException e) {
            // Not readable as a module: let wasmtime say what is wrong, in its words, if it finds anything.
            Module m = prepareModule(engine, false, name, wasm);
            m.dispose();
            throw e;
        }
        WasmtimeCompiledModule module = new WasmtimeCompiledModule(engine, name, wasm.clone(), facts);
        module.reference(module.ownLimit(), false);
        return module;
    }

    private int ownLimit() {
        return facts.memory().map(MemoryLimits::effectiveMaximumPages).orElse(MemoryLimits.MAX_PAGES);
    }

    private static Module prepareModule(WasmtimeEngine engine, boolean timedCalls, String name, byte[] bytes) {
        try {
            return Module.fromBinary(engine.engine(timedCalls), bytes);
        } catch (WasmtimeException e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    "engine wasmtime, module " + name + ": not a valid WebAssembly module: " + e.getMessage(),
                    e);
        }
    }

    private PreparedModule prepare(boolean timedCalls, byte[] bytes, ModuleFacts preparedFacts) {
        Module m = prepareModule(engine, timedCalls, name, bytes);
        return new PreparedModule(m, m.imports(), preparedFacts, timedCalls);
    }

    private PreparedModule reference(int limitPages, boolean timedCalls) {
        return reference.computeIfAbsent(new ReferenceKey(limitPages, timedCalls), key -> {
            ensureNotDisposed();
            return prepare(key.timedCalls(), patch(facts, OptionalInt.of(key.limitPages())), facts);
        });
    }

    /**
     * The module with changes that no guest can observe:
     * <ul>
     *   <li>with {@code maximumPages} present, its memory's declared maximum becomes {@code min(declared,
     * maximumPages)}:
     *       the binding has no store limits, and this is how {@code memory.grow} past the configured guest limit
     *       returns -1 on a plain instance, exactly as past a declared maximum;</li>
     *   <li>the start section is removed and the start function exported as {@link #START_EXPORT}, so the engine
     *       runs it as a call right after instantiation: a trap there then reports its kind (wasmtime's
     *       instantiation error carries only a backtrace), and runs after data and element segments, exactly as
     *       the start section would;</li>
     *   <li>the module's memory is also exported as {@link #MEMORY_EXPORT}: host functions work on the module's
     *       own memory whatever the guest calls it, as on every engine.</li>
     * </ul>
     */
    byte[] patch(ModuleFacts s, OptionalInt maximumPages) {
        ModuleFacts.Patch patch =
                ModuleFacts.Patch.NONE.withStartExportedAs(START_EXPORT).withMemoryExportedAs(MEMORY_EXPORT);
        if (maximumPages.isPresent()) {
            patch = patch.withMemoryMaximum(maximumPages.getAsInt());
        }
        try {
            return s.patched(patch);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID, "engine wasmtime, module " + name + ": " + e.getMessage(), e);
        }
    }

    private PreparedModule resettable(int limitPages, HostImports imports, boolean timedCalls) {
        var fresh = new ResettableKey(
                timedCalls,
                limitPages,
                imports.fastCalls(),
                imports.cachedReads(),
                imports.keyFilter() != null,
                imports.keyFilter() != null && imports.valueTable() != null);
        return resettable.computeIfAbsent(fresh, key -> {
            ensureNotDisposed();
            byte[] rewritten = ResettableModule.rewrite(
                            name,
                            wasm,
                            new ResettableModule.Options(
                                    key.limitPages(),
                                    false,
                                    key.fastCalls(),
                                    key.cachedReads(),
                                    key.keyFilter(),
                                    key.valueTable()))
                    .bytes();
            ModuleFacts rewrittenFacts =
                    ModuleFacts.read("engine wasmtime, module " + name + " (rewritten for in-place reset)", rewritten);
            return prepare(key.timedCalls(), patch(rewrittenFacts, OptionalInt.empty()), rewrittenFacts);
        });
    }

    @Override
    public WasmtimeEngine engine() {
        return engine;
    }

    ModuleFacts facts() {
        return facts;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ImportSpec> imports() {
        return facts.imports();
    }

    @Override
    public Optional<FunctionSignature> exportedFunction(String exportName) {
        return facts.exportedFunction(exportName);
    }

    @Override
    public Optional<MemoryLimits> memory() {
        return facts.memory();
    }

    @Override
    public ModuleInstance instantiate(List<HostFunction> hostFunctions, InstanceOptions options) {
        ensureNotDisposed();
        String context = "engine wasmtime, module " + name;
        MemoryLimits declared = facts.memory()
                .orElseThrow(() -> new JshrewException(ErrorCode.LINK, context + ": the module defines no memory"));
        int limit = Math.min(options.memoryLimitPages(), declared.effectiveMaximumPages());
        if (declared.initialPages() > limit) {
            throw new JshrewException(
                    ErrorCode.LINK,
                    context + ": initial memory of " + declared.initialPages()
                            + " pages exceeds the guest memory limit of " + limit + " pages");
        }
        HostImports imports = new HostImports(facts.imports(), hostFunctions, context);
        WasmtimeModuleInstance instance = options.commitBytes() > 0
                ? ResettableInstance.create(
                        this,
                        resettable(limit, imports, options.hasCallTimeout()),
                        imports,
                        declared.initialPages(),
                        limit,
                        options.commitBytes(),
                        options.memoryBudgetPages(),
                        engine.memory())
                : FreshInstance.create(this, reference(limit, options.hasCallTimeout()), imports, limit);
        if (options.hasCallTimeout()) {
            instance.limitCalls(options.callTimeout(), engine.deadlineTicks(options.callTimeout()));
        }
        return instance;
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
