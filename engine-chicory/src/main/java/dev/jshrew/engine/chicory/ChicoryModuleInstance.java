package dev.jshrew.engine.chicory;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.types.FunctionType;
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
 * A Chicory instance over a committed {@link SegmentMemory}. {@link #reset()} zeroes what the guest could have
 * touched, shrinks memory to its initial size and instantiates the module again over the same committed memory:
 * globals, tables, element and data segments, dropped segments and the start function's effects are then exactly
 * those of a fresh instantiation, by construction, at the cost of the high-water mark plus a (cheap) Chicory
 * instantiation of an already compiled module. Confined to one thread.
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
    private Instance instance;
    private boolean closed;

    private ChicoryModuleInstance(
            ChicoryCompiledModule module,
            ImportValues imports,
            LinearMemory linear,
            SegmentMemory memory,
            int limitPages,
            Duration callTimeout) {
        this.module = module;
        this.callTimeout = callTimeout;
        this.imports = imports;
        this.linear = linear;
        this.memory = memory;
        this.limitPages = limitPages;
        this.guestMemory = new SegmentGuestMemory(memory::byteSize, memory::segment);
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
            SegmentMemory memory = new SegmentMemory(
                    linear.segment(),
                    declared.initialPages(),
                    limit,
                    options.commitBytes() > 0 ? options.memoryBudgetPages() : 0);
            ImportValues imports = importValues(module, hostFunctions, memory);
            created = new ChicoryModuleInstance(module, imports, linear, memory, limit, options.callTimeout());
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
        GuestMemory view = new SegmentGuestMemory(memory::byteSize, memory::segment);
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
        try {
            instance = Instance.builder(module.module())
                    .withImportValues(imports)
                    .withMemoryFactory(limits -> memory)
                    .withMachineFactory(module.machines())
                    .withStart(false)
                    .build();
        } catch (UnlinkableException e) {
            throw new JshrewException(
                    ErrorCode.LINK, "engine chicory, module " + module.name() + ": " + e.getMessage(), e);
        } catch (UninstantiableException e) {
            JshrewException host = hostCause(e);
            if (host != null) {
                throw host;
            }
            throw new GuestTrapException(
                    trapOf(e),
                    "engine chicory, module " + module.name() + ": instantiation failed: " + e.getMessage(),
                    e);
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
            long[] result = fn.apply(args);
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
