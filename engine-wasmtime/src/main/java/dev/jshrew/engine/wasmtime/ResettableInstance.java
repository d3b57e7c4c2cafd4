package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.MemoryStats;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.engine.toolkit.wasm.KeyFilterModule;
import dev.jshrew.engine.toolkit.wasm.ResettableModule;
import dev.jshrew.engine.toolkit.wasm.ValueTableModule;
import io.github.kawamuray.wasmtime.Caller;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.util.List;

/**
 * A committed instance of the {@link ResettableModule} rewrite of the guest, instantiated once and reset in place.
 *
 * <p>At creation: instantiate, run the start function, grow the memory physically to the guest's limit
 * ({@link ResettableModule#GROW_PHYSICAL_EXPORT}), commit the first {@code commitBytes} of wasmtime's own mapping in
 * place ({@link LinearMemoryProvider#commitRange}), and make every page from the guest's (virtual) size up to the
 * limit {@code PROT_NONE} ({@link LinearMemoryProvider#protect}: the pages stay resident). wasmtime turns a fault
 * there into an out-of-bounds trap, so guest loads and stores trap exactly where they would on a fresh instance;
 * bulk instructions, which wasmtime runs in host code, are bounds-checked by the rewrite itself. The grow hook
 * ({@code jshrew.grow}) opens pages as the guest grows. {@link #reset()} runs {@link ResettableModule#RESET_EXPORT}
 * (zeroes what the guest touched, restores segments, globals, tables, reruns the start function) and closes again
 * the pages the guest had opened. Host functions see only the virtual size. Confined to one thread.
 */
final class ResettableInstance extends WasmtimeModuleInstance {
    static final String HOOK_MODULE = ResettableModule.HOOK_MODULE;
    static final String GROW_HOOK = ResettableModule.GROW_HOOK;

    private static final FunctionSignature VOID = FunctionSignature.of(List.of(), List.of());
    private static final FunctionSignature GROW = FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));
    private static final long[] NO_ARGS = new long[0];

    private final PreparedModule prepared;
    private final int initialPages;
    private final int budgetPages;
    /** A grow went past the budget: the rewrite's reset cannot run (see {@link #growHook}). */
    private boolean overBudget;

    private LiveInstance live;
    private int virtualPages;
    private int highWaterPages;
    /** Pages from 0 that are readable and writable; the rest up to the limit are PROT_NONE once armed. */
    private int openPages;

    private boolean armed;
    /** The rewrite keeps keys read for the cached reads ({@link ResettableModule#CACHED_READ_STATUS}). */
    private final boolean keepsReads;
    /** Code has run since the rewrite last forgot its kept keys (at a reset, after the start function). */
    private boolean readsKept;

    private CommitReport commit;
    /** The host's key filter when the rewrite asks one ({@link ResettableModule.Options#keyFilter()}), else null. */
    private final dev.jshrew.api.engine.KeyFilter keyFilter;
    /** Its copy in the guest's store, linked to the rewrite's key-filter import; null without one. */
    private CopyInstance filter;
    /** The host's value table when the rewrite asks one ({@link ResettableModule.Options#valueTable()}), else null. */
    private final dev.jshrew.api.engine.ValueTable valueTable;
    /** Its copy in the guest's store, linked to the rewrite's value-table imports; null without one. */
    private CopyInstance table;
    /** Commits and protects wasmtime's mapping; set by {@link #start}. */
    private LinearMemoryProvider memory;

    private ResettableInstance(
            WasmtimeCompiledModule module,
            PreparedModule prepared,
            HostImports imports,
            int initialPages,
            int limitPages,
            int budgetPages) {
        super(module, imports, limitPages);
        this.prepared = prepared;
        this.initialPages = initialPages;
        this.budgetPages = budgetPages;
        this.virtualPages = initialPages;
        this.highWaterPages = initialPages;
        this.keyFilter = importsHook(prepared, ResettableModule.KEY_FILTER_IMPORT) ? imports.keyFilter() : null;
        this.valueTable = importsHook(prepared, ResettableModule.VALUE_FIND_IMPORT) ? imports.valueTable() : null;
        this.keepsReads = prepared.facts()
                .exportedFunction(ResettableModule.FORGET_READS_EXPORT)
                .isPresent();
    }

    /** Whether the rewritten module imports {@link ResettableModule#HOOK_MODULE}{@code .name}. */
    private static boolean importsHook(PreparedModule prepared, String name) {
        return prepared.facts().imports().stream()
                .anyMatch(i -> i.module().equals(ResettableModule.HOOK_MODULE)
                        && i.name().equals(name));
    }

    static ResettableInstance create(
            WasmtimeCompiledModule module,
            PreparedModule prepared,
            HostImports imports,
            int initialPages,
            int limitPages,
            long commitBytes,
            int budgetPages,
            LinearMemoryProvider memory) {
        ResettableInstance instance =
                new ResettableInstance(module, prepared, imports, initialPages, limitPages, budgetPages);
        boolean done = false;
        try {
            instance.start(commitBytes, memory);
            done = true;
            return instance;
        } finally {
            if (!done) {
                instance.close();
            }
        }
    }

    private void start(long commitBytes, LinearMemoryProvider memory) {
        this.memory = memory;
        try {
            live = LiveInstance.create(module.engine(), prepared, store -> {
                try {
                    filter = keyFilter == null
                            ? null
                            : CopyInstance.create(
                                    store,
                                    "the key filter",
                                    module.engine().keyFilterModule(prepared.timedCalls()),
                                    KeyFilterModule.MEMORY_EXPORT,
                                    KeyFilterModule.TEST_EXPORT);
                    table = valueTable == null
                            ? null
                            : CopyInstance.create(
                                    store,
                                    "the value table",
                                    module.engine().valueTableModule(prepared.timedCalls()),
                                    ValueTableModule.MEMORY_EXPORT,
                                    ValueTableModule.FIND_EXPORT,
                                    ValueTableModule.CHUNK_EXPORT);
                    return imports.funcs(
                            store,
                            prepared.imports(),
                            this,
                            this::growHook,
                            filter == null ? null : filter.funcs()[0],
                            table == null ? null : table.funcs());
                } catch (RuntimeException e) {
                    disposeCopies();
                    throw e;
                }
            });
        } catch (WasmFunctionError | WasmtimeException e) {
            rethrowHostFailure();
            throw Traps.translate(e, context() + ": instantiation failed");
        } catch (GuestTrapException e) {
            throw e;
        } catch (JshrewException e) {
            throw e.within(context());
        }
        if (live.physicalPages() == 0) {
            growPhysical(1); // the base address is only visible through a non-empty memory
        }
        live.reservation();
        // From here on pages past the guest's size are closed (with an empty initial memory: the page grown above).
        armed = true;
        openPages = live.physicalPages();
        closeAbove(virtualPages);
        if (prepared.facts().hasStart()) {
            callRaw(WasmtimeCompiledModule.START_EXPORT, VOID, NO_ARGS);
            readsKept = true;
        }
        // Open everything for the commit (wasmtime opens what it grows), then close what is past the size again.
        int physical = live.physicalPages();
        if (openPages < physical) {
            protect(openPages, physical, true);
        }
        growPhysical(limitPages - physical);
        openPages = limitPages;
        long limitBytes = (long) limitPages * MemoryLimits.PAGE_SIZE;
        long commitLen = Math.min(limitBytes, roundUp(commitBytes, MemoryLimits.PAGE_SIZE));
        if (commitLen > 0) {
            try {
                commit = memory.commitRange(live.reservation().asSlice(0, commitLen));
            } catch (JshrewException e) {
                throw e.within(context());
            }
        }
        closeAbove(virtualPages);
    }

    private void growPhysical(int pages) {
        if (pages <= 0) {
            return;
        }
        long previous = callRaw(ResettableModule.GROW_PHYSICAL_EXPORT, GROW, new long[] {pages})[0];
        if (previous < 0) {
            throw new JshrewException(
                    ErrorCode.ENGINE_LIMIT,
                    context() + ": wasmtime could not grow the memory by " + pages + " pages to the guest's limit of "
                            + limitPages + " pages");
        }
    }

    private static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }

    /** {@code jshrew.grow(old, new)}: the guest's size grew; open the new pages before the guest touches them. */
    private void growHook(Caller<Void> caller, Val[] params, Val[] results) {
        try {
            int newPages = params[1].i32();
            if (budgetPages > 0 && newPages > budgetPages) {
                // The rewrite already counts the pages in its high-water mark, but they stay PROT_NONE (never
                // touched): its reset would zero them and fault. This instance is replaced instead of reset.
                overBudget = true;
                throw new GuestTrapException(
                        Trap.MEMORY_BUDGET,
                        context() + ": memory.grow to " + newPages + " pages is past the instance's budget of "
                                + budgetPages + " pages");
            }
            virtualPages = newPages;
            highWaterPages = Math.max(highWaterPages, newPages);
            if (armed && newPages > openPages) {
                protect(openPages, newPages, true);
                openPages = newPages;
            }
        } catch (RuntimeException | Error e) { // must not cross JNI: the binding would keep only the message
            failHost(e);
        }
    }

    private void closeAbove(int pages) {
        if (openPages > pages) {
            protect(pages, openPages, false);
            openPages = pages;
        }
    }

    private void protect(int fromPage, int toPage, boolean accessible) {
        long from = (long) fromPage * MemoryLimits.PAGE_SIZE;
        long length = (long) (toPage - fromPage) * MemoryLimits.PAGE_SIZE;
        memory.protect(live.reservation().asSlice(from, length), accessible);
    }

    /**
     * A key the rewrite kept in an earlier export call (or in the start function) must not answer this one: its
     * value was read for that call. A reset forgets them already.
     */
    @Override
    void beforeCall() {
        if (filter != null) {
            filter.sync(keyFilter);
        }
        if (table != null) {
            table.sync(valueTable);
        }
        if (keepsReads && readsKept) {
            callRaw(ResettableModule.FORGET_READS_EXPORT, VOID, NO_ARGS);
        }
        readsKept = true;
    }

    @Override
    LiveInstance live() {
        return live;
    }

    @Override
    long guestBytes() {
        return (long) virtualPages * MemoryLimits.PAGE_SIZE;
    }

    @Override
    public void reset() {
        ensureUsable();
        if (overBudget) {
            markBroken("a grow past its memory budget");
            throw new UnsupportedOperationException(
                    context() + ": grew past its memory budget; instantiate afresh instead of resetting");
        }
        // What __jshrew_reset sets the guest's own counters to; the start function it reruns may grow again.
        virtualPages = initialPages;
        highWaterPages = initialPages;
        try {
            if (filter != null) {
                filter.deactivate();
            }
            if (table != null) {
                table.deactivate();
            }
            callRaw(ResettableModule.RESET_EXPORT, VOID, NO_ARGS);
            readsKept = false;
            closeAbove(virtualPages);
        } catch (RuntimeException | Error e) { // whatever failed, the guest's state is unknown now
            markBroken("a failed reset");
            throw e;
        }
    }

    @Override
    public MemoryStats memoryStats() {
        ensureOpen();
        return new MemoryStats(virtualPages, highWaterPages, limitPages, commit == null ? 0 : commit.committedBytes());
    }

    private void disposeCopies() {
        if (filter != null) {
            filter.dispose();
            filter = null;
        }
        if (table != null) {
            table.dispose();
            table = null;
        }
    }

    @Override
    void release() {
        disposeCopies();
        if (live != null) {
            live.dispose();
            live = null;
        }
    }
}
