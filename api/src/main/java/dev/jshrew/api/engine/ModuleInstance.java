package dev.jshrew.api.engine;

/**
 * A live instance. Confined to one thread; owns its guest memory; the creator closes it (idempotent).
 */
public interface ModuleInstance extends AutoCloseable {
    /**
     * Calls an exported function.
     *
     * @throws GuestTrapException when the guest traps (or a host function traps it)
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#LINK} when there is no such
     *     function export or the arguments do not match; {@link dev.jshrew.api.ErrorCode#ENGINE_LIMIT} when the
     *     guest grows past what the engine can back
     */
    long[] call(String export, long... args);

    /** The instance's memory, for the host. */
    GuestMemory memory();

    /**
     * Brings the instance back to a state indistinguishable from a fresh instantiation: memory contents and
     * size, globals, tables, dropped segments, the start function's effects. Costs in proportion to the memory
     * the guest could have touched since the last reset, never to the reservation.
     *
     * @throws UnsupportedOperationException when the engine lacks {@link EngineCapability#FAST_RESET}
     */
    void reset();

    /** Current memory figures. */
    MemoryStats memoryStats();

    @Override
    void close();
}
