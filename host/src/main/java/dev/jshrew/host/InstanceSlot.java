package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.host.abi.BlockWrites;
import dev.jshrew.host.abi.CallContext;
import dev.jshrew.host.abi.MetashrewAbi;
import dev.jshrew.host.abi.StateReader;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One module instance wired to the metashrew ABI, handed out pristine for every call: the first call gets the
 * freshly instantiated instance, later calls get it reset in place ({@link ResetMode#FAST}) or a new, lazily
 * backed one ({@link ResetMode#FRESH}). Confined to one thread.
 */
final class InstanceSlot implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InstanceSlot.class.getName());

    private final String engineName;
    private final CompiledModule module;
    private final RunOptions options;
    private final CallContext context = new CallContext();
    /** The keys {@code __get_len} may find, or null (see {@link MetashrewAbi}). */
    private final KeyFilter keyFilter;

    private final dev.jshrew.api.engine.ValueTable valueTable;

    private final List<HostFunction> imports;
    private final int memoryLimitPages;
    private final Duration callTimeout;
    /** 0, or this slot's memory budget in pages (a view's {@code --view-memory}). */
    private final int budgetPages;

    private final InstanceOptions.Workload workload;
    /**
     * What a fast-reset instance commits: {@code --memory-commit}, capped by the budget when there is one. An
     * uncommitted instance ({@code --memory-commit off}) has no budget: the original's lazily backed behaviour.
     */
    private final long commitBytes;

    private ModuleInstance instance;
    private boolean dirty;
    private long lastResetNanos;
    private long lastRunNanos;

    /** The type of an indexer's entry point. */
    private static final FunctionSignature START = FunctionSignature.of(List.of(), List.of());

    /**
     * @param workload {@link InstanceOptions.Workload#BLOCKS} for the indexer's slot, {@code VIEWS} for a view's
     * @param callTimeout the limit on each call ({@link Duration#ZERO}: none); the engine must support it
     * @param budgetPages 0, or the most pages the guest may use here, below its limit: the instance commits at most
     *     that much and, when it commits anything ({@link ResetMode#FAST}, {@code --memory-commit} not off), a call
     *     that grows past it fails ({@link #describe}); a view's budget
     * @param keyFilter the keys the store holds (the indexer's), or null
     * @param valueTable values the blocks' reads would find (the indexer's read cache keeps it), or null; on only for
     *     {@link #runStart} calls whose reads do not see the block's own writes
     */
    InstanceSlot(
            CompiledModule module,
            RunOptions options,
            InstanceOptions.Workload workload,
            Duration callTimeout,
            int budgetPages,
            Consumer<String> guestLog,
            KeyFilter keyFilter,
            dev.jshrew.api.engine.ValueTable valueTable) {
        this.workload = workload;
        this.engineName = module.engine().name();
        this.keyFilter = keyFilter;
        this.valueTable = valueTable;
        this.callTimeout = callTimeout;
        if (!callTimeout.isZero() && !module.engine().capabilities().contains(EngineCapability.CALL_TIMEOUT)) {
            throw new JshrewException(
                    ErrorCode.ENGINE_LIMIT,
                    "engine " + engineName + ", module " + module.name()
                            + ": the engine cannot stop a running call (no CALL_TIMEOUT), so a view timeout of "
                            + seconds(callTimeout)
                            + " cannot be kept; run with --view-timeout 0");
        }
        this.module = module;
        this.options = options;
        MemoryLimits declared = module.memory()
                .orElseThrow(() -> new JshrewException(
                        ErrorCode.LINK,
                        "engine " + engineName + ", module " + module.name() + ": the module defines no memory"));
        this.memoryLimitPages = Math.min(declared.effectiveMaximumPages(), options.guestMemoryLimitPages());
        if (declared.initialPages() > memoryLimitPages) {
            throw new JshrewException(
                    ErrorCode.LINK,
                    "engine " + engineName + ", module " + module.name() + ": initial memory of "
                            + declared.initialPages() + " pages exceeds the guest memory limit of " + memoryLimitPages
                            + " pages");
        }
        this.budgetPages = budgetPages > 0 && budgetPages < memoryLimitPages ? budgetPages : 0;
        if (this.budgetPages > 0 && declared.initialPages() > this.budgetPages) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "engine " + engineName + ", module " + module.name() + ": view needs more than --view-memory "
                            + sizeText((long) this.budgetPages * MemoryLimits.PAGE_SIZE) + ": the module starts with "
                            + declared.initialPages() + " pages");
        }
        this.commitBytes = this.budgetPages > 0
                ? Math.min((long) this.budgetPages * MemoryLimits.PAGE_SIZE, options.commitBytes())
                : options.commitBytes();
        this.imports = new MetashrewAbi(context, guestLog, keyFilter, valueTable).bind(module.imports(), module.name());
        // Instantiate (and commit guest memory) now, at startup: a machine that cannot hold it fails before any block.
        long start = System.nanoTime();
        this.instance = instantiate(options.reset() == ResetMode.FAST ? commitBytes : 0);
        this.lastResetNanos = System.nanoTime() - start;
    }

    CallContext context() {
        return context;
    }

    int memoryLimitPages() {
        return memoryLimitPages;
    }

    /** Why {@code module} cannot index blocks (it must export {@code _start: () -> ()}), or empty when it can. */
    static Optional<String> startProblem(CompiledModule module) {
        Optional<FunctionSignature> start = module.exportedFunction("_start");
        if (start.isEmpty()) {
            return Optional.of("no _start export");
        }
        if (!start.get().equals(START)) {
            return Optional.of("_start has type " + start.get() + ", expected () -> ()");
        }
        return Optional.empty();
    }

    /**
     * Runs {@code _start} for one block on the instance {@link #ready()} just handed out, and returns the block's
     * writes: METASHREW-ABI §1.6 with the Java rules (a trap, {@code abort}, a malformed flush or no successful flush
     * fails the block). Commits nothing. Shared by indexing and preview stage 1 so both judge a block the same way.
     *
     * @param reader where the block's reads go (the state as of the block's height − 1)
     * @param readOwnWrites whether reads see the block's own flushed pairs first (height 0 only, S-2)
     * @param stage {@link GuestCallException.Stage#START} or {@link GuestCallException.Stage#PREVIEW_START}: what a
     *     failure reports
     * @throws GuestCallException when the block fails
     */
    BlockWrites runStart(
            long height, byte[] block, StateReader reader, boolean readOwnWrites, GuestCallException.Stage stage) {
        context.arm(CallContext.Mode.INDEX, height, block, reader, readOwnWrites);
        if (keyFilter != null) {
            keyFilter.setActive(!readOwnWrites); // the filter knows the store's keys, not the block's own
        }
        if (valueTable != null) {
            valueTable.setActive(!readOwnWrites); // nor does the table know the block's own values
        }
        long start = System.nanoTime();
        try {
            instance.call("_start");
        } catch (GuestTrapException e) {
            throw failure(ErrorCode.TRAP, stage, height, describe(e), e);
        } catch (JshrewException e) {
            throw failure(e.code(), stage, height, e.getMessage(), e);
        } finally {
            lastRunNanos = System.nanoTime() - start;
        }
        if (context.failure() != null) {
            throw failure(ErrorCode.GUEST_ABI, stage, height, context.failure(), null);
        }
        if (!context.completed()) {
            throw failure(
                    ErrorCode.GUEST_ABI,
                    stage,
                    height,
                    "indexer exited unexpectedly: _start returned without a successful __flush",
                    null);
        }
        return context.writes();
    }

    /** A failure of a call on this slot's module: the message names the engine, the module and the height. */
    GuestCallException failure(
            ErrorCode code, GuestCallException.Stage stage, long height, String detail, Throwable cause) {
        return new GuestCallException(code, stage, engineName, module.name(), height, detail, cause);
    }

    /**
     * What a trap of a call on this slot's instance says to an operator: the kind and the engine's text, or, for a
     * call stopped by this slot's timeout, which timeout and how to change it.
     */
    String describe(GuestTrapException e) {
        if (e.trap() == dev.jshrew.api.engine.Trap.TIMEOUT) {
            return "stopped after the view timeout of " + seconds(callTimeout) + " (--view-timeout)";
        }
        if (e.trap() == dev.jshrew.api.engine.Trap.MEMORY_BUDGET) {
            return "view needs more than --view-memory " + sizeText((long) budgetPages * MemoryLimits.PAGE_SIZE)
                    + " (it grew past " + budgetPages + " pages; the guest limit is " + memoryLimitPages + ")";
        }
        return "guest trapped (" + e.trap() + "): " + e.getMessage();
    }

    /** A size as operators write it: {@code 512m}, {@code 1g}, {@code 1088k}. */
    static String sizeText(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        return (bytes >> 10) + "k";
    }

    /** A timeout as operators write it: {@code 2 s}, {@code 0.25 s}. */
    static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3)
                        .stripTrailingZeros()
                        .toPlainString() + " s";
    }

    private long resetFailures;

    /** Time the last {@link #runStart} spent in {@code _start}. */
    long lastRunNanos() {
        return lastRunNanos;
    }

    /** Time the last reset (or re-instantiation) took. */
    long lastResetNanos() {
        return lastResetNanos;
    }

    /**
     * A pristine instance for the next call; marks the slot dirty. The instance made at construction is used as is
     * for the first call ({@link #lastResetNanos()} then reports the instantiation, commit included).
     */
    ModuleInstance ready() {
        if (dirty || instance == null) {
            long start = System.nanoTime();
            if (instance != null && options.reset() == ResetMode.FAST) {
                try {
                    instance.reset();
                } catch (UnsupportedOperationException e) {
                    LOG.log(Level.DEBUG, "engine {0} has no fast reset; re-instantiating", engineName);
                    replace(commitBytes);
                } catch (RuntimeException e) {
                    // never stay broken: an instance that cannot be reset is replaced by a fresh one (reset ≡ fresh),
                    // and if that fails too the slot is empty and the next call instantiates again
                    LOG.log(Level.WARNING, "engine " + engineName + ": instance failed to reset; replacing it", e);
                    resetFailures++;
                    replace(commitBytes);
                }
            } else {
                replace(options.reset() == ResetMode.FAST ? commitBytes : 0);
            }
            lastResetNanos = System.nanoTime() - start;
        }
        dirty = true;
        return instance;
    }

    /** How many times a reset failed and the instance was replaced. */
    long resetFailures() {
        return resetFailures;
    }

    private void replace(long commitBytes) {
        if (instance != null) {
            ModuleInstance old = instance;
            instance = null;
            try {
                old.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "engine " + engineName + ": closing a broken instance failed", e);
            }
        }
        instance = instantiate(commitBytes);
    }

    ModuleInstance current() {
        return instance;
    }

    /** Engines name themselves and the module on every failure of {@code instantiate} (its contract). */
    private ModuleInstance instantiate(long commitBytes) {
        return module.instantiate(
                imports,
                new InstanceOptions(
                        memoryLimitPages, commitBytes, callTimeout, commitBytes > 0 ? budgetPages : 0, workload));
    }

    @Override
    public void close() {
        if (instance != null) {
            instance.close();
            instance = null;
        }
    }
}
