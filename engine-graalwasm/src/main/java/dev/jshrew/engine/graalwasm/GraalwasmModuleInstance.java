package dev.jshrew.engine.graalwasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.MemoryStats;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.engine.toolkit.Watchdog;
import dev.jshrew.engine.toolkit.wasm.ResettableModule;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * One GraalWasm instance in its own polyglot {@link Context} (on the engine's shared code cache).
 *
 * <p>Over the rewritten module, instantiation grows the memory physically to the commit size through
 * {@link ResettableModule#GROW_PHYSICAL_EXPORT} (GraalWasm zero-fills what it grows, which makes it resident), and
 * {@link #reset()} calls {@link ResettableModule#RESET_EXPORT}: the rewritten code zeroes what the guest could have
 * touched, restores globals, tables, segments and the virtual size, and reruns the start function. The guest's
 * size is the rewrite's virtual page count, which this class follows through the {@code jshrew.grow} hook.
 * Over a module the rewrite refused, {@link #reset()} throws {@link UnsupportedOperationException} and the host
 * instantiates afresh. Confined to one thread.
 */
final class GraalwasmModuleInstance implements ModuleInstance {
    private static final System.Logger LOG = System.getLogger(GraalwasmModuleInstance.class.getName());

    private final GraalwasmCompiledModule module;
    private final GraalwasmCompiledModule.Prepared prepared;
    private final Context context;
    private final GraalwasmGuestMemory memory;
    private final int initialPages;
    private final int limitPages;
    private final Duration callTimeout;
    private final Map<String, Value> functions = new HashMap<>();
    private Value exports;
    private long committedBytes;
    private boolean broken;
    private boolean closed;

    /** 0, or the instance's memory budget ({@link InstanceOptions#memoryBudgetPages()}), checked by the grow hook. */
    private int budgetPages;
    /** A grow went past the budget: replace the instance instead of resetting it. */
    private boolean overBudget;

    private GraalwasmModuleInstance(
            GraalwasmCompiledModule module,
            GraalwasmCompiledModule.Prepared prepared,
            Context context,
            int initialPages,
            int limitPages,
            Duration callTimeout) {
        this.module = module;
        this.callTimeout = callTimeout;
        this.prepared = prepared;
        this.context = context;
        this.initialPages = initialPages;
        this.limitPages = limitPages;
        this.memory = new GraalwasmGuestMemory(prepared.resettable(), initialPages);
    }

    static GraalwasmModuleInstance create(
            GraalwasmCompiledModule module,
            GraalwasmCompiledModule.Prepared prepared,
            List<HostFunction> imports,
            InstanceOptions options,
            int initialPages,
            int limitPages) {
        Context context = module.engine().newContext();
        boolean ok = false;
        try {
            GraalwasmModuleInstance created = new GraalwasmModuleInstance(
                    module, prepared, context, initialPages, limitPages, options.callTimeout());
            created.budgetPages = options.commitBytes() > 0 ? options.memoryBudgetPages() : 0;
            created.instantiate(imports);
            if (prepared.resettable() && options.commitBytes() > 0) {
                created.commit(options.commitBytes());
            }
            ok = true;
            return created;
        } catch (PolyglotException e) {
            throw Traps.translate(e, "engine graalwasm, module " + module.name() + ": instantiation failed");
        } finally {
            if (!ok) {
                closeQuietly(context);
            }
        }
    }

    private void instantiate(List<HostFunction> imports) {
        Value wasmModule = context.eval(prepared.source());
        Map<String, Map<String, Object>> byModule = new LinkedHashMap<>();
        for (HostFunction fn : imports) {
            byModule.computeIfAbsent(fn.module(), m -> new LinkedHashMap<>()).put(fn.name(), hostFunction(fn));
        }
        if (prepared.resettable()) {
            byModule.computeIfAbsent(ResettableModule.HOOK_MODULE, m -> new LinkedHashMap<>())
                    .put(ResettableModule.GROW_HOOK, (ProxyExecutable) args -> {
                        int newPages = args[1].asInt();
                        if (budgetPages > 0 && newPages > budgetPages) {
                            // the rewrite counted the pages already: its reset would zero (and so commit) them
                            overBudget = true;
                            throw new GuestTrapException(
                                    Trap.MEMORY_BUDGET,
                                    "engine graalwasm, module " + module.name() + ": memory.grow to " + newPages
                                            + " pages is past the instance's budget of " + budgetPages + " pages");
                        }
                        memory.grown(newPages);
                        return null;
                    });
        }
        Map<String, Object> importObject = new LinkedHashMap<>();
        byModule.forEach((m, fns) -> importObject.put(m, ProxyObject.fromMap(fns)));
        Value instance = wasmModule.newInstance(ProxyObject.fromMap(importObject));
        Value ex = instance.getMember("exports");
        memory.attach(ex.getMember(module.facts().memoryExportName().orElseThrow()));
        exports = ex;
    }

    private ProxyExecutable hostFunction(HostFunction fn) {
        FunctionSignature sig = fn.signature();
        List<ValueType> params = sig.params();
        List<ValueType> results = sig.results();
        HostFunction.Implementation impl = fn.implementation();
        return args -> {
            long[] a = new long[args.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = fromGuest(args[i], params.get(i));
            }
            long[] r = impl.call(memory, a);
            if (results.isEmpty()) {
                return null;
            }
            if (results.size() == 1) {
                return toGuest(r[0], results.get(0));
            }
            Object[] values = new Object[results.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = toGuest(r[i], results.get(i));
            }
            return ProxyArray.fromArray(values);
        };
    }

    static long fromGuest(Value v, ValueType type) {
        return switch (type) {
            case I32 -> v.asInt();
            case I64 -> v.asLong();
            case F32 -> Float.floatToRawIntBits(v.asFloat());
            case F64 -> Double.doubleToRawLongBits(v.asDouble());
            default ->
                throw new JshrewException(
                        ErrorCode.LINK, "engine graalwasm: values of type " + type + " cannot cross to the host");
        };
    }

    static Object toGuest(long v, ValueType type) {
        return switch (type) {
            case I32 -> (int) v;
            case I64 -> v;
            case F32 -> Float.intBitsToFloat((int) v);
            case F64 -> Double.longBitsToDouble(v);
            default ->
                throw new JshrewException(
                        ErrorCode.LINK, "engine graalwasm: values of type " + type + " cannot cross to the host");
        };
    }

    /** Grows the memory physically to the commit size: GraalWasm zero-fills (so makes resident) what it grows. */
    private void commit(long commitBytes) {
        int target = (int) Math.min(limitPages, (commitBytes + MemoryLimits.PAGE_SIZE - 1) / MemoryLimits.PAGE_SIZE);
        int physical = memory.physicalPages();
        if (target > physical) {
            long bytes = (long) (target - physical) * MemoryLimits.PAGE_SIZE;
            LinearMemoryProvider provider = module.engine().memoryProvider();
            try {
                provider.requireBudget(bytes);
            } catch (JshrewException e) {
                throw e.within("engine graalwasm, module " + module.name());
            }
            long rssBefore = provider.residentSetBytes();
            long start = System.nanoTime();
            long old = call(ResettableModule.GROW_PHYSICAL_EXPORT, target - physical)[0];
            long nanos = System.nanoTime() - start;
            if (old < 0) {
                throw new JshrewException(
                        ErrorCode.MEMORY_COMMIT_REFUSED,
                        "engine graalwasm, module " + module.name() + ": GraalWasm could not allocate " + (bytes >> 20)
                                + " MiB of native guest memory");
            }
            long rssAfter = provider.residentSetBytes();
            committedBytes = (long) memory.physicalPages() * MemoryLimits.PAGE_SIZE;
            CommitReport report = new CommitReport(
                    commitBytes, committedBytes, "graalwasm memory.grow+zero-fill", nanos, rssBefore, rssAfter);
            LOG.log(Level.INFO, "engine graalwasm, module {0}: {1}", module.name(), report.describe());
        } else {
            committedBytes = (long) physical * MemoryLimits.PAGE_SIZE;
        }
    }

    @Override
    public long[] call(String export, long... args) {
        ensureOpen();
        FunctionSignature sig = signature(export);
        if (args.length != sig.params().size()) {
            throw new JshrewException(
                    ErrorCode.LINK,
                    "engine graalwasm, module " + module.name() + ": export " + export + " takes "
                            + sig.params().size() + " argument(s), not " + args.length);
        }
        Value fn = functions.computeIfAbsent(export, exports::getMember);
        Object[] a = new Object[args.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = toGuest(args[i], sig.params().get(i));
        }
        Value result;
        // the rewrite's own exports (reset, physical growth) are the host's work, never timed
        boolean timed =
                !callTimeout.isZero() && module.facts().exportedFunction(export).isPresent();
        Watchdog.Alarm alarm = timed ? Watchdog.arm(callTimeout, this::interrupt) : null;
        try {
            result = fn.execute(a);
        } catch (PolyglotException e) {
            if (alarm != null && e.isInterrupted() && alarm.fired()) {
                throw new GuestTrapException(
                        Trap.TIMEOUT,
                        "engine graalwasm, module " + module.name() + ", export " + export
                                + ": call stopped after its timeout of " + callTimeout.toMillis() + " ms",
                        e);
            }
            throw Traps.translate(e, "engine graalwasm, module " + module.name() + ", export " + export);
        } finally {
            if (alarm != null) {
                alarm.close(); // the interrupt, if any, has ended: it cannot reach the next call
            }
        }
        List<ValueType> results = sig.results();
        long[] out = new long[results.size()];
        if (out.length == 1) {
            out[0] = fromGuest(result, results.get(0));
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = fromGuest(result.getArrayElement(i), results.get(i));
            }
        }
        return out;
    }

    /** The watchdog's stop action: a non-destructive interrupt of the guest code running in this context. */
    private void interrupt() {
        try {
            context.interrupt(Duration.ofSeconds(30));
        } catch (TimeoutException | PolyglotException | IllegalStateException e) {
            LOG.log(
                    Level.WARNING,
                    "engine graalwasm, module {0}: interrupting a call past its timeout failed: {1}",
                    module.name(),
                    e.toString());
        }
    }

    private FunctionSignature signature(String export) {
        return switch (export) {
            case ResettableModule.GROW_PHYSICAL_EXPORT ->
                FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));
            case ResettableModule.RESET_EXPORT -> FunctionSignature.of(List.of(), List.of());
            default ->
                module.facts()
                        .exportedFunction(export)
                        .orElseThrow(() -> new JshrewException(
                                ErrorCode.LINK,
                                "engine graalwasm, module " + module.name() + ": no function export '" + export + "'"));
        };
    }

    @Override
    public GuestMemory memory() {
        ensureOpen();
        return memory;
    }

    @Override
    public void reset() {
        ensureOpen();
        if (!prepared.resettable()) {
            throw new UnsupportedOperationException(
                    "engine graalwasm, module " + module.name() + ": no in-place reset (" + prepared.why() + ")");
        }
        if (overBudget) {
            throw new UnsupportedOperationException("engine graalwasm, module " + module.name()
                    + ": grew past its memory budget; instantiate afresh instead of resetting");
        }
        try {
            // the grow hook is how the host knows the guest's size: check it against the rewrite's own count once a
            // block
            int virtualPages = exports.getMember(ResettableModule.PAGES_EXPORT)
                    .getMember("value")
                    .asInt();
            if (virtualPages != memory.pages()) {
                throw new IllegalStateException("engine graalwasm, module " + module.name() + ": the guest has "
                        + virtualPages + " pages but the grow hook reported " + memory.pages());
            }
            memory.resetTo(initialPages);
            call(ResettableModule.RESET_EXPORT);
        } catch (RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    @Override
    public MemoryStats memoryStats() {
        return new MemoryStats(memory.pages(), memory.highWaterPages(), limitPages, committedBytes);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("engine graalwasm, module " + module.name() + ": instance is closed");
        }
        if (broken) {
            throw new IllegalStateException(
                    "engine graalwasm, module " + module.name() + ": instance failed to reset; close it");
        }
    }

    private static void closeQuietly(Context context) {
        try {
            context.close();
        } catch (PolyglotException | IllegalStateException e) {
            LOG.log(Level.DEBUG, "closing a GraalWasm context failed", e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            functions.clear();
            exports = null;
            memory.detach();
            closeQuietly(context);
        }
    }
}
