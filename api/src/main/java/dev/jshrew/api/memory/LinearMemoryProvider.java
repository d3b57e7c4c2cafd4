package dev.jshrew.api.memory;

/**
 * Reserves and commits guest linear memory. Thread-safe. Implemented by the {@code memory-commit} module and
 * handed to engines through {@link dev.jshrew.api.engine.EngineContext}.
 */
public interface LinearMemoryProvider {
    /**
     * Reserves {@code reserveBytes} of zeroed, readable and writable address space and commits the first
     * {@code commitBytes} of it physically before returning. Committed pages are never handed back to the OS
     * while the memory lives.
     *
     * @param reserveBytes address space to reserve (at least what the guest can reach)
     * @param commitBytes bytes to commit now, 0 for none (pages are then backed lazily on first touch)
     * @throws dev.jshrew.api.JshrewException with {@link dev.jshrew.api.ErrorCode#MEMORY_COMMIT_REFUSED} when the
     *     process may not use that much memory (cgroup limit, available memory) or committing fails; the message
     *     says how much was needed and what was available
     */
    LinearMemory reserve(long reserveBytes, long commitBytes);
}
