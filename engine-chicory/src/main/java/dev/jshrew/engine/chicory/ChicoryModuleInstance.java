package dev.jshrew.engine.chicory;

import static com.dylibso.chicory.runtime.ConstantEvaluators.computeConstantValue;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Global;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.MemoryStats;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.engine.toolkit.SegmentGuestMemory;
import dev.jshrew.engine.toolkit.Watchdog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Chicory instance over a committed {@link SegmentMemory}. {@link #reset()} brings it back to a state
 * indistinguishable from a fresh instantiation in one of two ways:
 * <ul>
 *   <li><b>in place</b>, keeping the Chicory {@link Instance} (when {@link ChicoryCompiledModule.InPlaceReset} says
 *       the module qualifies, as real guests do, and the last call returned normally): mutable globals from their
 *       initialisers, table slots and dropped element segments from a snapshot taken right after instantiation,
 *       memory zeroed up to the high-water mark (a view's instance: only the pages written, {@link
 *       TrackedSegmentMemory}) and shrunk, the instance's data segments undropped and the active ones applied again,
 *       then the start function run again. Costs the high-water mark (or the pages written) plus a few field
 *       writes;</li>
 *   <li><b>afresh</b> otherwise (a module that grows tables, or after a call that trapped, timed out or failed in a
 *       host function, which can leave the interpreter's stacks unbalanced): a new Chicory instantiation of the
 *       already compiled module over the same committed memory, so every piece of instance state is a fresh one's
 *       by construction, at the cost of the high-water mark (or the pages written) plus the instantiation (tens of
 *       microseconds).</li>
 * </ul>
 * Confined to one thread.
 */
final class ChicoryModuleInstance implements ModuleInstance {
    private final ChicoryCompiledModule module;
    private final ImportValues imports;
    private final LinearMemory linear;
    private final SegmentMemory memory;
    private final int limitPages;
    private final GuestMemory guestMemory;
    private final Map<String, ExportFunction> exports = new ConcurrentHashMap<>();
    private final Duration callTimeout;
    private final InstanceOptions.Workload workload;
    private Instance instance;
    /** What a reset in place restores, or null when the next reset instantiates afresh. */
    private Snapshot snapshot;
    /** False while a guest call runs, and after one that did not return normally (until a fresh instantiation). */
    private boolean callsBalanced = true;
    /** Chicory instantiations so far (the first, and every reset that could not keep the instance). */
    private int instantiations;

    private boolean closed;

    private ChicoryModuleInstance(
            ChicoryCompiledModule module,
            ImportValues imports,
            LinearMemory linear,
            SegmentMemory memory,
            int limitPages,
            InstanceOptions options) {
        this.module = module;
        this.callTimeout = options.callTimeout();
        this.workload = options.workload();
        this.imports = imports;
        this.linear = linear;
        this.memory = memory;
        this.limitPages = limitPages;
        this.guestMemory = new SegmentGuestMemory(memory::byteSize, memory::segment, memory::written);
    }

    static ChicoryModuleInstance create(
            ChicoryCompiledModule module,
            List<HostFunction> hostFunctions,
            InstanceOptions options,
            LinearMemoryProvider memoryProvider) {
        MemoryLimits declared = module.memory()
                .orElseThrow(() -> new JshrewException(
                        ErrorCode.LINK, "engine chicory, module " + module.name() + ": the module defines no memory"));
        int limit = Math.min(options.memoryLimitPages(), declared.effectiveMaximumPages());
        long backedBytes = (long) Math.min(limit, SegmentMemory.ENGINE_MAX_PAGES) * MemoryLimits.PAGE_SIZE;
        long commit = Math.min(options.commitBytes(), backedBytes);
        ChicoryModuleInstance created = null;
        LinearMemory linear;
        try {
            linear = memoryProvider.reserve(Math.max(backedBytes, MemoryLimits.PAGE_SIZE), commit);
        } catch (JshrewException e) {
            throw e.within("engine chicory, module " + module.name());
        }
        try {
            int budget = options.commitBytes() > 0 ? options.memoryBudgetPages() : 0;
            // Views' instances that are reset in place track the pages they write (a fresh instance is never reset)
            SegmentMemory memory = options.workload() == InstanceOptions.Workload.VIEWS && options.commitBytes() > 0
                    ? new TrackedSegmentMemory(linear.segment(), declared.initialPages(), limit, budget)
                    : new SegmentMemory(linear.segment(), declared.initialPages(), limit, budget);
            ImportValues imports = importValues(module, hostFunctions, memory);
            created = new ChicoryModuleInstance(module, imports, linear, memory, limit, options);
            created.instantiate();
            return created;
        } finally {
            if (created == null || created.instance == null) {
                linear.close();
            }
        }
    }

    private static ImportValues importValues(
            ChicoryCompiledModule module, List<HostFunction> hostFunctions, SegmentMemory memory) {
        GuestMemory view = new SegmentGuestMemory(memory::byteSize, memory::segment, memory::written);
        ImportValues.Builder builder = ImportValues.builder();
        for (var spec : module.imports()) {
            HostFunction fn = hostFunctions.stream()
                    .filter(h -> h.module().equals(spec.module()) && h.name().equals(spec.name()))
                    .findFirst()
                    .orElseThrow(() -> new JshrewException(
                            ErrorCode.LINK,
                            "engine chicory, module " + module.name() + ": no host function for import " + spec.module()
                                    + "." + spec.name()));
            if (!spec.signature().orElseThrow().equals(fn.signature())) {
                throw new JshrewException(
                        ErrorCode.LINK,
                        "engine chicory, module " + module.name() + ": import " + spec.module() + "." + spec.name()
                                + " has type " + spec.signature().orElseThrow() + " but the host function has "
                                + fn.signature());
            }
            FunctionType type = FunctionType.of(
                    fn.signature().params().stream()
                            .map(ChicoryModuleInstance::valType)
                            .toList(),
                    fn.signature().results().stream()
                            .map(ChicoryModuleInstance::valType)
                            .toList());
            HostFunction.Implementation impl = fn.implementation();
            builder.addFunction(
                    new com.dylibso.chicory.runtime.HostFunction(fn.module(), fn.name(), type, (inst, args) -> {
                        long[] result = impl.call(view, args);
                        return result.length == 0 ? null : result;
                    }));
        }
        return builder.build();
    }

    private static ValType valType(ValueType t) {
        return switch (t) {
            case I32 -> ValType.I32;
            case I64 -> ValType.I64;
            case F32 -> ValType.F32;
            case F64 -> ValType.F64;
            case V128 -> ValType.V128;
            case FUNCREF -> ValType.FuncRef;
            case EXTERNREF -> ValType.ExternRef;
        };
    }

    private void instantiate() {
        exports.clear();
        snapshot = null;
        try {
            instance = Instance.builder(module.module())
                    .withImportValues(imports)
                    .withMemoryFactory(limits -> memory)
                    .withMachineFactory(module.machines(workload))
                    .withStart(false)
                    .build();
            instantiations++;
            callsBalanced = true;
            if (module.inPlaceReset().available()) {
                snapshot = Snapshot.take(module, instance);
            }
        } catch (UnlinkableException e) {
            throw new JshrewException(
                    ErrorCode.LINK, "engine chicory, module " + module.name() + ": " + e.getMessage(), e);
        } catch (UninstantiableException e) {
            throw startFailure(e, "instantiation failed");
        } catch (ChicoryException e) {
            throw translate(e);
        } catch (StackOverflowError e) {
            throw new GuestTrapException(Trap.STACK_OVERFLOW, "call stack exhausted", e);
        }
    }

    @Override
    public long[] call(String export, long... args) {
        ensureOpen();
        ExportFunction fn = exports.computeIfAbsent(export, name -> {
            try {
                return instance.export(name);
            } catch (ChicoryException e) {
                throw new JshrewException(
                        ErrorCode.LINK, "engine chicory, module " + module.name() + ": no export '" + name + "'", e);
            }
        });
        if (callTimeout.isZero()) {
            return apply(fn, args, null);
        }
        // Chicory's compiler and interpreter both check the thread's interrupt status at calls and loop back-edges
        // and then throw ChicoryInterruptedException; host functions never wait interruptibly.
        Thread caller = Thread.currentThread();
        Watchdog.Alarm alarm = Watchdog.arm(callTimeout, caller::interrupt);
        try {
            return apply(fn, args, alarm);
        } finally {
            alarm.close();
            if (alarm.fired()) {
                Thread.interrupted(); // our interrupt, whether or not the guest saw it: never leak it into the next
                // call
            }
        }
    }

    private long[] apply(ExportFunction fn, long[] args, Watchdog.Alarm alarm) {
        try {
            callsBalanced = false;
            long[] result = fn.apply(args);
            callsBalanced = true;
            return result == null ? new long[0] : result;
        } catch (ChicoryInterruptedException e) {
            if (alarm != null && alarm.fired()) {
                throw new GuestTrapException(
                        Trap.TIMEOUT,
                        "engine chicory, module " + module.name() + ": call stopped after its timeout of "
                                + callTimeout.toMillis() + " ms",
                        e);
            }
            Thread.currentThread().interrupt(); // somebody else's interrupt (shutdown): keep it
            throw new GuestTrapException(
                    Trap.OTHER, "engine chicory, module " + module.name() + ": call interrupted", e);
        } catch (JshrewException e) {
            throw e;
        } catch (ChicoryException e) {
            throw translate(e);
        } catch (StackOverflowError e) {
            throw new GuestTrapException(Trap.STACK_OVERFLOW, "call stack exhausted", e);
        } catch (RuntimeException e) {
            JshrewException host = hostCause(e);
            if (host != null) {
                throw host;
            }
            throw new GuestTrapException(Trap.OTHER, "engine chicory: " + e, e);
        }
    }

    private static JshrewException hostCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JshrewException j) {
                return j;
            }
        }
        return null;
    }

    private static RuntimeException translate(ChicoryException e) {
        JshrewException host = hostCause(e);
        if (host != null) {
            return host;
        }
        return new GuestTrapException(trapOf(e), e.getMessage(), e);
    }

    static Trap trapOf(Throwable e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("unreachable")) {
            return Trap.UNREACHABLE;
        } else if (m.contains("out of bounds memory")) {
            return Trap.MEMORY_OUT_OF_BOUNDS;
        } else if (m.contains("divide by zero")) {
            return Trap.INTEGER_DIVIDE_BY_ZERO;
        } else if (m.contains("integer overflow")) {
            return Trap.INTEGER_OVERFLOW;
        } else if (m.contains("invalid conversion to integer")) {
            return Trap.BAD_CONVERSION_TO_INTEGER;
        } else if (m.contains("indirect call type mismatch")) {
            return Trap.INDIRECT_CALL_TYPE_MISMATCH;
        } else if (m.contains("out of bounds table") || m.contains("undefined element")) {
            return Trap.TABLE_OUT_OF_BOUNDS;
        } else if (m.contains("uninitialized element")) {
            return Trap.UNINITIALIZED_ELEMENT;
        } else if (m.contains("call stack exhausted")) {
            return Trap.STACK_OVERFLOW;
        }
        return Trap.OTHER;
    }

    @Override
    public GuestMemory memory() {
        ensureOpen();
        return guestMemory;
    }

    @Override
    public void reset() {
        ensureOpen();
        Snapshot kept = snapshot;
        Instance same = instance;
        if (kept != null && same != null && callsBalanced) {
            // Unusable until the reset succeeds; a failed one leaves the next reset to instantiate afresh.
            snapshot = null;
            instance = null;
            resetInPlace(same, kept);
            instance = same;
            snapshot = kept;
            return;
        }
        memory.resetToInitial();
        instance = null;
        instantiate();
        if (memory.zeroPending()) {
            // Chicory zeroes a module-defined memory before its data segments; a version that stopped doing so
            // would leave the last block's bytes behind. Fail loudly rather than run a guest on a dirty memory.
            throw new IllegalStateException("engine chicory, module " + module.name()
                    + ": the instantiation did not zero the memory, so the reset is not pristine");
        }
    }

    int instantiations() {
        return instantiations;
    }

    SegmentMemory segmentMemory() {
        return memory;
    }

    /** Chicory's instantiation order: globals, tables and elements, memory and data, then the start function. */
    private void resetInPlace(Instance same, Snapshot kept) {
        kept.restore(same);
        memory.resetInPlace(same);
        int start = module.inPlaceReset().startFunction();
        if (start < 0) {
            return;
        }
        try {
            callsBalanced = false;
            same.getMachine().call(start, new long[0]);
            callsBalanced = true;
        } catch (ChicoryException e) {
            throw startFailure(e, "the start function failed in a reset");
        } catch (StackOverflowError e) {
            throw new GuestTrapException(Trap.STACK_OVERFLOW, "call stack exhausted", e);
        }
    }

    /** An instantiation's or a start function's failure: a host function's exception as is, else a trap. */
    private JshrewException startFailure(ChicoryException e, String what) {
        JshrewException host = hostCause(e);
        if (host != null) {
            return host;
        }
        return new GuestTrapException(
                trapOf(e), "engine chicory, module " + module.name() + ": " + what + ": " + e.getMessage(), e);
    }

    /**
     * The instance state a reset in place restores that neither memory nor the initialisers give back: table slots
     * and element segments as instantiation left them (taken only when the module can change them), and every
     * mutable global's initial value.
     */
    private record Snapshot(
            int[] mutableGlobals,
            long[][] globalValues,
            int[][] tableRefs,
            Instance[][] tableOwners,
            Element[] elements) {
        static Snapshot take(ChicoryCompiledModule module, Instance instance) {
            Global[] globals = module.module().globalSection().globals();
            int[] mutable = java.util.stream.IntStream.range(0, globals.length)
                    .filter(i -> globals[i].mutabilityType() == MutabilityType.Var)
                    .toArray();
            long[][] values = new long[mutable.length][];
            for (int k = 0; k < mutable.length; k++) {
                // Constant expressions read only immutable globals, so they give the initial value at any time.
                values[k] = computeConstantValue(instance, globals[mutable[k]].initInstructions());
            }
            var facts = module.inPlaceReset();
            int[][] refs = new int[0][];
            Instance[][] owners = new Instance[0][];
            if (facts.tablesWritten()) {
                refs = new int[instance.tableCount()][];
                owners = new Instance[refs.length][];
                for (int t = 0; t < refs.length; t++) {
                    TableInstance table = instance.table(t);
                    refs[t] = new int[table.size()];
                    owners[t] = new Instance[table.size()];
                    for (int i = 0; i < refs[t].length; i++) {
                        refs[t][i] = table.ref(i);
                        owners[t][i] = table.instance(i);
                    }
                }
            }
            Element[] elements = new Element[0];
            if (facts.elementsDropped()) {
                elements = new Element[instance.elementCount()];
                for (int i = 0; i < elements.length; i++) {
                    elements[i] = instance.element(i);
                }
            }
            return new Snapshot(mutable, values, refs, owners, elements);
        }

        void restore(Instance instance) {
            for (int k = 0; k < mutableGlobals.length; k++) {
                GlobalInstance global = instance.global(mutableGlobals[k]);
                long[] value = globalValues[k];
                global.setValueLow(value[0]);
                global.setValueHigh(value.length > 1 ? value[1] : 0);
            }
            for (int t = 0; t < tableRefs.length; t++) {
                TableInstance table = instance.table(t);
                for (int i = 0; i < tableRefs[t].length; i++) {
                    table.setRef(i, tableRefs[t][i], tableOwners[t][i]);
                }
            }
            for (int i = 0; i < elements.length; i++) {
                instance.setElement(i, elements[i]);
            }
        }
    }

    @Override
    public MemoryStats memoryStats() {
        return new MemoryStats(
                memory.pages(),
                memory.highWaterPages(),
                limitPages,
                linear.commitReport().committedBytes());
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("engine chicory, module " + module.name() + ": instance is closed");
        }
        if (instance == null) {
            throw new IllegalStateException(
                    "engine chicory, module " + module.name() + ": instance failed to reset; close it");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            instance = null;
            linear.close();
        }
    }
}
