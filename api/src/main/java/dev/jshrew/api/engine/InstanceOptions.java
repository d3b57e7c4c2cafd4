package dev.jshrew.api.engine;

import java.time.Duration;

/**
 * How to instantiate.
 *
 * @param memoryLimitPages the most pages the guest may ever have: {@code memory.grow} beyond it returns -1 on
 *     every engine. The host computes it as min(module's declared maximum or 65536, configured guest limit);
 *     it is part of an indexer's deterministic configuration
 * @param commitBytes bytes of guest memory to commit physically at instantiation (0: commit nothing, memory
 *     is backed lazily, as a fresh reference instance is). Engines capped below the limit commit up to their cap
 * @param callTimeout how long one {@link ModuleInstance#call} may run before it ends with a
 *     {@link Trap#TIMEOUT} trap ({@link Duration#ZERO}: no limit). An operational setting for views, never for
 *     indexing, where a result must not depend on the machine's speed. Non-zero needs
 *     {@link EngineCapability#CALL_TIMEOUT}
 * @param memoryBudgetPages 0 (none), or the most pages the guest may use in this instance, below its limit (a view
 *     worker's {@code --view-memory}): a {@code memory.grow} that would take the guest above it traps with
 *     {@link Trap#MEMORY_BUDGET} (never returns -1, which the guest could handle and so answer differently from an
 *     instance with the full limit). Operational, like the call timeout: it never changes a result, only fails a
 *     call. Engines enforce it on instances that commit memory ({@code commitBytes > 0}, the in-place reset kind)
 * @param workload what the instance's calls are; a hint an engine may tune the instance to, never a change of result
 */
public record InstanceOptions(
        int memoryLimitPages, long commitBytes, Duration callTimeout, int memoryBudgetPages, Workload workload) {

    /** What an instance's calls are, for an engine that tunes an instance to them (results never depend on it). */
    public enum Workload {
        /** An indexer's blocks: each call may write much of the memory it reaches. */
        BLOCKS,
        /**
         * Views and previews: short calls between resets that write little of the memory they reach (a Rust
         * guest's view writes a few pages of its 1 MiB stack). An engine may spend a little on every write to make
         * the reset cost what was written rather than the high-water mark (Chicory does).
         */
        VIEWS
    }

    public InstanceOptions {
        java.util.Objects.requireNonNull(workload, "workload");
        if (memoryBudgetPages < 0 || memoryBudgetPages > MemoryLimits.MAX_PAGES) {
            throw new IllegalArgumentException("memory budget out of range: " + memoryBudgetPages + " pages");
        }
        java.util.Objects.requireNonNull(callTimeout, "callTimeout");
        if (callTimeout.isNegative()) {
            throw new IllegalArgumentException("negative call timeout: " + callTimeout);
        }
        if (memoryLimitPages < 0 || memoryLimitPages > MemoryLimits.MAX_PAGES) {
            throw new IllegalArgumentException("memory limit out of range: " + memoryLimitPages + " pages");
        }
        if (commitBytes < 0) {
            throw new IllegalArgumentException("commitBytes < 0: " + commitBytes);
        }
    }

    /** An indexer's instance ({@link Workload#BLOCKS}). */
    public InstanceOptions(int memoryLimitPages, long commitBytes, Duration callTimeout, int memoryBudgetPages) {
        this(memoryLimitPages, commitBytes, callTimeout, memoryBudgetPages, Workload.BLOCKS);
    }

    /** No memory budget. */
    public InstanceOptions(int memoryLimitPages, long commitBytes, Duration callTimeout) {
        this(memoryLimitPages, commitBytes, callTimeout, 0);
    }

    /** No call timeout, no memory budget. */
    public InstanceOptions(int memoryLimitPages, long commitBytes) {
        this(memoryLimitPages, commitBytes, Duration.ZERO);
    }

    /** These options with another call timeout. */
    public InstanceOptions withCallTimeout(Duration timeout) {
        return new InstanceOptions(memoryLimitPages, commitBytes, timeout, memoryBudgetPages, workload);
    }

    /** These options with another memory budget (0: none). */
    public InstanceOptions withMemoryBudget(int pages) {
        return new InstanceOptions(memoryLimitPages, commitBytes, callTimeout, pages, workload);
    }

    /** These options with another workload. */
    public InstanceOptions withWorkload(Workload calls) {
        return new InstanceOptions(memoryLimitPages, commitBytes, callTimeout, memoryBudgetPages, calls);
    }

    /** Whether {@code pages} would take the guest past its budget (always false without one). */
    public boolean exceedsBudget(long pages) {
        return memoryBudgetPages > 0 && pages > memoryBudgetPages;
    }

    /** Whether calls are limited in time. */
    public boolean hasCallTimeout() {
        return !callTimeout.isZero();
    }

    /** A lazily backed instance with the given limit: the reference ("fresh") configuration. */
    public static InstanceOptions uncommitted(int memoryLimitPages) {
        return new InstanceOptions(memoryLimitPages, 0);
    }
}
