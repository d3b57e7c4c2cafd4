package dev.jshrew.api.engine;

/** Optional abilities of an engine. The TCK asserts the documented behaviour of each one that is absent. */
public enum EngineCapability {
    /**
     * {@link ModuleInstance#reset()} brings an instance back to its post-instantiation state in place.
     * Without it, {@code reset()} throws {@link UnsupportedOperationException} and the host re-instantiates.
     */
    FAST_RESET,
    /**
     * Guest memory is reserved and physically committed up front through {@link
     * dev.jshrew.api.memory.LinearMemoryProvider}.
     */
    COMMITTED_MEMORY,
    /**
     * Guest memory can grow past 32767 pages (2 GiB) up to 65536 pages (4 GiB). Without it, a grow past the
     * engine's cap but within the guest's limit fails the call with {@link dev.jshrew.api.ErrorCode#ENGINE_LIMIT}:
     * the guest never sees a {@code -1} another engine would not give.
     */
    MEMORY_ABOVE_2GIB,
    /** Every f32/f64 NaN result is canonical (0x7FC00000 / 0x7FF8000000000000). */
    NAN_CANONICALIZATION,
    /**
     * Calls honour {@link InstanceOptions#callTimeout()}: a call still running at its timeout ends, within about
     * 100 ms, with {@link GuestTrapException} of kind {@link Trap#TIMEOUT}, whether the guest loops, recurses or
     * calls host functions; a call that returns in time is never affected, nor is the next call. Without it, the
     * host refuses a non-zero timeout at startup with {@link dev.jshrew.api.ErrorCode#ENGINE_LIMIT}: the engine
     * never receives one.
     */
    CALL_TIMEOUT,
    /**
     * Honours {@link HostFunction.ValueLength#keyFilter()} on instances that commit their memory: a key the filter
     * surely lacks is answered in guest code (length 0, and the companion writes nothing) without calling the host.
     * Without it, every such call reaches the host, and a host need not keep a filter.
     */
    KEY_FILTER,
    /**
     * Honours {@link HostFunction.ValueLength#valueTable()} on instances that commit their memory and honour the key
     * filter: a key with a current entry is answered in guest code (its value's length, and the companion writes
     * the value) without calling the host. Without it, every such call reaches the host, and a host need not keep a
     * table.
     */
    VALUE_TABLE
}
