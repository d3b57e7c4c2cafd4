package dev.jshrew.api.engine;

/** Kinds of traps. Engines map their own trap reports onto these; tests compare kinds, never message text. */
public enum Trap {
    UNREACHABLE,
    MEMORY_OUT_OF_BOUNDS,
    INTEGER_DIVIDE_BY_ZERO,
    INTEGER_OVERFLOW,
    BAD_CONVERSION_TO_INTEGER,
    INDIRECT_CALL_TYPE_MISMATCH,
    TABLE_OUT_OF_BOUNDS,
    UNINITIALIZED_ELEMENT,
    STACK_OVERFLOW,
    /** A call to an import the host binds to a trapping stub (an import it does not provide). */
    UNKNOWN_IMPORT,
    /** A host function trapped the guest on purpose (e.g. {@code abort}, an out-of-bounds host write). */
    HOST,
    /**
     * The call ran past {@link InstanceOptions#callTimeout()} and was stopped. Not a wasm trap: the instance is left
     * mid-call and must be {@link ModuleInstance#reset() reset} (or closed) before its next call.
     */
    TIMEOUT,
    /**
     * The guest grew its memory past {@link InstanceOptions#memoryBudgetPages()} (a view's budget, below its limit):
     * the call fails instead of {@code memory.grow} returning -1, so a view never sees a result that an instance with
     * the full limit would not give. Like {@link #TIMEOUT}, the instance must be reset before its next call.
     */
    MEMORY_BUDGET,
    /** Anything the engine reports that maps to none of the above. */
    OTHER
}
