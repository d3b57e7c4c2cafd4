package dev.jshrew.engine.chicory;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.memory.LinearMemoryProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/** A parsed (and, in compiler mode, compiled) module. Immutable and thread-safe. */
final class ChicoryCompiledModule implements CompiledModule {
    private final ChicoryEngine engine;
    private final String name;
    private final WasmModule module;
    private final Function<Instance, Machine> machines;
    private final LinearMemoryProvider memoryProvider;
    private final List<ImportSpec> imports;
    private final Optional<MemoryLimits> memory;
    private final InPlaceReset inPlaceReset;
    /** The code views' instances run, compiled at the first of them (compiler mode); see {@link #machines}. */
    private volatile Function<Instance, Machine> viewMachines;

    ChicoryCompiledModule(
            ChicoryEngine engine,
            String name,
            WasmModule module,
            Function<Instance, Machine> machines,
            LinearMemoryProvider memoryProvider) {
        this.engine = engine;
        this.name = name;
        this.module = module;
        this.machines = machines;
        this.memoryProvider = memoryProvider;
        this.imports = importsOf(module);
        this.memory = module.memorySection().filter(s -> s.memoryCount() > 0).map(s -> {
            var limits = s.getMemory(0).limits();
            int max = limits.maximumPages();
            return new MemoryLimits(
                    limits.initialPages(), max >= MemoryLimits.MAX_PAGES ? OptionalInt.empty() : OptionalInt.of(max));
        });
        this.inPlaceReset = InPlaceReset.of(module);
    }

    /**
     * Whether, and how, an instance of this module can be brought back to its post-instantiation state without a
     * new Chicory {@link Instance}: every piece of instance state the module can change must be restorable through
     * Chicory's public API. It can change its memory, its mutable globals, its data and element segments' "dropped"
     * state and its tables' slots, all restorable; it cannot shrink a table it grew, so a module with {@code
     * table.grow} is instantiated afresh, and so is one that throws wasm exceptions (Chicory keeps every thrown
     * exception in its instance, which a kept instance would accumulate block after block). Only modules whose
     * imports are all functions qualify (an imported memory, table or global is state outside the instance), and
     * only globals and tables of the MVP's types (no GC references, whose objects live in Chicory's own store).
     * Table slots and dropped element segments are restored from what they were right after instantiation, which is
     * their pre-start state only when there is no start function: a module with a start function that writes tables
     * or drops element segments is instantiated afresh too. (Globals are restored from their initialisers, data
     * segments from their pristine copies, so the start function may change those.)
     *
     * @param available in-place reset applies
     * @param tablesWritten the code writes table slots ({@code table.set/fill/copy/init}): restore them
     * @param elementsDropped the code drops element segments ({@code elem.drop}): restore them
     * @param startFunction the module's start function, or -1
     */
    record InPlaceReset(boolean available, boolean tablesWritten, boolean elementsDropped, int startFunction) {
        static InPlaceReset of(WasmModule module) {
            int start = module.startSection().map(s -> (int) s.startIndex()).orElse(-1);
            var imports = module.importSection();
            for (int i = 0; i < imports.importCount(); i++) {
                if (imports.getImport(i).importType() != ExternalType.FUNCTION) {
                    return new InPlaceReset(false, false, false, start);
                }
            }
            var globals = module.globalSection();
            for (int i = 0; i < globals.globalCount(); i++) {
                if (!plain(globals.getGlobal(i).valueType())) {
                    return new InPlaceReset(false, false, false, start);
                }
            }
            var tables = module.tableSection();
            for (int i = 0; i < tables.tableCount(); i++) {
                if (!plain(tables.getTable(i).elementType())) {
                    return new InPlaceReset(false, false, false, start);
                }
            }
            boolean tablesWritten = false;
            boolean elementsDropped = false;
            var code = module.codeSection();
            int bodies = code == null ? 0 : code.functionBodyCount();
            for (int f = 0; f < bodies; f++) {
                for (var instruction : code.getFunctionBody(f).instructions()) {
                    OpCode op = instruction.opcode();
                    if (op == OpCode.TABLE_GROW
                            || op == OpCode.THROW
                            || op == OpCode.THROW_REF
                            || op == OpCode.TRY_TABLE) {
                        return new InPlaceReset(false, false, false, start);
                    }
                    tablesWritten |= op == OpCode.TABLE_SET
                            || op == OpCode.TABLE_FILL
                            || op == OpCode.TABLE_COPY
                            || op == OpCode.TABLE_INIT;
                    elementsDropped |= op == OpCode.ELEM_DROP;
                }
            }
            boolean available = start < 0 || !(tablesWritten || elementsDropped);
            return new InPlaceReset(available, tablesWritten, elementsDropped, start);
        }

        private static boolean plain(ValType t) {
            return t.equals(ValType.I32)
                    || t.equals(ValType.I64)
                    || t.equals(ValType.F32)
                    || t.equals(ValType.F64)
                    || t.equals(ValType.V128)
                    || t.equals(ValType.FuncRef)
                    || t.equals(ValType.ExternRef);
        }
    }

    InPlaceReset inPlaceReset() {
        return inPlaceReset;
    }

    @Override
    public ChicoryEngine engine() {
        return engine;
    }

    private static List<ImportSpec> importsOf(WasmModule module) {
        List<ImportSpec> out = new ArrayList<>();
        var section = module.importSection();
        for (int i = 0; i < section.importCount(); i++) {
            Import imp = section.getImport(i);
            ImportSpec.Kind kind = switch (imp.importType()) {
                case FUNCTION -> ImportSpec.Kind.FUNCTION;
                case MEMORY -> ImportSpec.Kind.MEMORY;
                case TABLE -> ImportSpec.Kind.TABLE;
                case GLOBAL -> ImportSpec.Kind.GLOBAL;
                case TAG -> ImportSpec.Kind.TAG;
            };
            Optional<FunctionSignature> sig = imp instanceof FunctionImport f
                    ? Optional.of(signature(module.typeSection().getType(f.typeIndex())))
                    : Optional.empty();
            out.add(new ImportSpec(imp.module(), imp.name(), kind, sig));
        }
        return List.copyOf(out);
    }

    static FunctionSignature signature(FunctionType type) {
        return FunctionSignature.of(
                type.params().stream().map(ChicoryCompiledModule::valueType).toList(),
                type.returns().stream().map(ChicoryCompiledModule::valueType).toList());
    }

    static ValueType valueType(ValType t) {
        if (t.equals(ValType.I32)) {
            return ValueType.I32;
        } else if (t.equals(ValType.I64)) {
            return ValueType.I64;
        } else if (t.equals(ValType.F32)) {
            return ValueType.F32;
        } else if (t.equals(ValType.F64)) {
            return ValueType.F64;
        } else if (t.equals(ValType.V128)) {
            return ValueType.V128;
        } else if (t.equals(ValType.ExternRef)) {
            return ValueType.EXTERNREF;
        }
        return ValueType.FUNCREF;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ImportSpec> imports() {
        return imports;
    }

    @Override
    public Optional<FunctionSignature> exportedFunction(String exportName) {
        var exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.exportType() == ExternalType.FUNCTION && e.name().equals(exportName)) {
                return Optional.of(signature(functionType(e.index())));
            }
        }
        return Optional.empty();
    }

    FunctionType functionType(int functionIndex) {
        int imported = module.importSection().count(ExternalType.FUNCTION);
        if (functionIndex < imported) {
            int seen = 0;
            var section = module.importSection();
            for (int i = 0; i < section.importCount(); i++) {
                if (section.getImport(i) instanceof FunctionImport f && seen++ == functionIndex) {
                    return module.typeSection().getType(f.typeIndex());
                }
            }
        }
        return module.functionSection().getFunctionType(functionIndex - imported, module.typeSection());
    }

    @Override
    public Optional<MemoryLimits> memory() {
        return memory;
    }

    WasmModule module() {
        return module;
    }

    /**
     * The code instances of {@code workload} run. In compiler mode, {@link InstanceOptions.Workload#VIEWS} get a
     * compilation of their own, made at the first of them: their memory is a {@link TrackedSegmentMemory}, and code
     * that only ever sees one class of memory keeps each access's call site monomorphic, so the indexer's stores cost
     * what they did before any view ran. (The interpreter's code is shared whatever it runs.)
     */
    Function<Instance, Machine> machines(InstanceOptions.Workload workload) {
        if (workload == InstanceOptions.Workload.BLOCKS || engine.mode() != ChicoryEngine.Mode.COMPILER) {
            return machines;
        }
        Function<Instance, Machine> views = viewMachines;
        if (views == null) {
            synchronized (this) {
                views = viewMachines;
                if (views == null) {
                    views = engine.machines(name, module);
                    viewMachines = views;
                }
            }
        }
        return views;
    }

    @Override
    public ModuleInstance instantiate(List<HostFunction> hostFunctions, InstanceOptions options) {
        return ChicoryModuleInstance.create(this, hostFunctions, options, memoryProvider);
    }
}
