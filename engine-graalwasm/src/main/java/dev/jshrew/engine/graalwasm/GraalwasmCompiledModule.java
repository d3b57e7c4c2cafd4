package dev.jshrew.engine.graalwasm;

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
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.graalvm.polyglot.Source;

/**
 * A validated module. What GraalWasm instantiates is prepared once per guest memory limit and cached (so every
 * context of the engine shares its parsed and compiled code): the module rewritten by {@link ResettableModule}
 * (resettable in place, memory committed by physical growth), or, when the rewrite refuses the module, the
 * original with its memory maximum lowered to the limit (a fresh instance per block). Immutable and thread-safe.
 */
final class GraalwasmCompiledModule implements CompiledModule {
    private static final System.Logger LOG = System.getLogger(GraalwasmCompiledModule.class.getName());

    /**
     * Set to {@code false} only to measure what checking every load and store against the guest's size costs:
     * out-of-bounds accesses between the guest's size and the committed size then no longer trap.
     */
    static final String CHECK_LOADS_AND_STORES_PROPERTY = "jshrew.graalwasm.checkLoadsAndStores";

    /**
     * What GraalWasm runs for one limit.
     *
     * @param source the module as GraalWasm evaluates it
     * @param resettable the rewritten module (exports {@link ResettableModule#RESET_EXPORT} and friends)
     * @param why when not resettable, why not
     */
    record Prepared(Source source, boolean resettable, String why) {}

    private final GraalwasmEngine engine;
    private final String name;
    private final byte[] wasm;
    private final ModuleFacts facts;
    private final Map<Integer, Prepared> prepared = new ConcurrentHashMap<>();

    GraalwasmCompiledModule(GraalwasmEngine engine, String name, byte[] wasm, ModuleFacts facts) {
        this.engine = engine;
        this.name = name;
        this.wasm = wasm.clone();
        this.facts = facts;
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

    /** What the binary declares that the polyglot API does not tell. */
    ModuleFacts facts() {
        return facts;
    }

    @Override
    public GraalwasmEngine engine() {
        return engine;
    }

    @Override
    public ModuleInstance instantiate(List<HostFunction> hostFunctions, InstanceOptions options) {
        MemoryLimits declared = facts.memory()
                .orElseThrow(() -> new JshrewException(
                        ErrorCode.LINK, "engine graalwasm, module " + name + ": the module defines no memory"));
        if (facts.memoryExportName().isEmpty()) {
            throw new JshrewException(
                    ErrorCode.LINK, "engine graalwasm, module " + name + ": the module exports no memory");
        }
        int limit = Math.min(options.memoryLimitPages(), declared.effectiveMaximumPages());
        if (declared.initialPages() > limit) {
            throw new JshrewException(
                    ErrorCode.LINK,
                    "engine graalwasm, module " + name + ": initial memory of " + declared.initialPages()
                            + " pages exceeds the guest memory limit of " + limit + " pages");
        }
        List<HostFunction> bound = bind(hostFunctions);
        return GraalwasmModuleInstance.create(this, prepared(limit), bound, options, declared.initialPages(), limit);
    }

    /** One host function per import, in import order, type-checked. */
    private List<HostFunction> bind(List<HostFunction> hostFunctions) {
        List<HostFunction> bound = new ArrayList<>();
        for (ImportSpec spec : facts.imports()) {
            if (spec.kind() != ImportSpec.Kind.FUNCTION) {
                throw new JshrewException(
                        ErrorCode.LINK,
                        "engine graalwasm, module " + name + ": cannot provide the "
                                + spec.kind().name().toLowerCase(java.util.Locale.ROOT) + " import " + spec.module()
                                + "." + spec.name());
            }
            HostFunction fn = hostFunctions.stream()
                    .filter(h -> h.module().equals(spec.module()) && h.name().equals(spec.name()))
                    .findFirst()
                    .orElseThrow(() -> new JshrewException(
                            ErrorCode.LINK,
                            "engine graalwasm, module " + name + ": no host function for import " + spec.module() + "."
                                    + spec.name()));
            if (!spec.signature().orElseThrow().equals(fn.signature())) {
                throw new JshrewException(
                        ErrorCode.LINK,
                        "engine graalwasm, module " + name + ": import " + spec.module() + "." + spec.name()
                                + " has type " + spec.signature().orElseThrow() + " but the host function has "
                                + fn.signature());
            }
            bound.add(fn);
        }
        return bound;
    }

    private Prepared prepared(int limitPages) {
        return prepared.computeIfAbsent(limitPages, this::prepare);
    }

    private Prepared prepare(int limitPages) {
        boolean check = !"false".equals(System.getProperty(CHECK_LOADS_AND_STORES_PROPERTY));
        try {
            ResettableModule rewritten =
                    ResettableModule.rewrite(name, wasm, new ResettableModule.Options(limitPages, check));
            if (!check) {
                LOG.log(
                        Level.WARNING,
                        "engine graalwasm, module {0}: loads and stores are NOT checked against the guest''s size"
                                + " ({1}=false, for measurements only)",
                        name,
                        CHECK_LOADS_AND_STORES_PROPERTY);
            }
            return new Prepared(GraalwasmEngine.source(name, rewritten.bytes()), true, null);
        } catch (UnsupportedOperationException | JshrewException e) {
            if (e instanceof JshrewException j && j.code() != ErrorCode.MODULE_INVALID) {
                throw j;
            }
            String why = e.getMessage();
            LOG.log(
                    Level.WARNING,
                    "engine graalwasm, module {0}: cannot be reset in place ({1}); every block gets a fresh,"
                            + " uncommitted instance",
                    name,
                    why);
            return new Prepared(GraalwasmEngine.source(name, facts.withMemoryMaximum(limitPages)), false, why);
        }
    }
}
