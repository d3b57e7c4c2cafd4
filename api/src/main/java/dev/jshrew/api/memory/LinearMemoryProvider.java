package dev.jshrew.api.memory;

import java.lang.foreign.MemorySegment;

/**
 * Reserves and commits guest linear memory. Thread-safe. Implemented by the {@code memory-commit} module and
 * handed to engines through {@link dev.jshrew.api.engine.EngineContext}.
 *
 * <p>An engine either takes its guest memory from {@link #reserve}, or owns its mapping (wasmtime maps its own,
 * GraalWasm grows its own native memory) and uses the rest of this contract on it: {@link #commitRange} to commit
 * it in place, {@link #protect} to close pages past the guest's size, {@link #requireBudget} to fail fast before
 * allocating, {@link #residentSetBytes} to verify what it committed. These are default methods so that a provider
 * that only hands out its own reservations (a test double, say) implements {@link #reserve} alone; jshrew's
 * {@code memory-commit} implements them all.
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

    /**
     * Commits an existing, accessible range that the engine mapped itself, keeping its contents, with this
     * provider's configured commit strategy. The budget check counts only the pages not yet resident.
     *
     * @param range a native segment whose address and size are multiples of the OS page size
     * @return what was committed (also logged)
     * @throws IllegalArgumentException for a heap segment, an unaligned range, or a configured strategy that
     *     cannot commit an existing range in place
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#MEMORY_COMMIT_REFUSED} if the budget
     *     or the kernel refuses
     * @throws UnsupportedOperationException if this provider commits only what it reserves (the default)
     */
    default CommitReport commitRange(MemorySegment range) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot commit a range it did not reserve");
    }

    /**
     * Makes a range inaccessible ({@code PROT_NONE}) or readable and writable again. Pages stay resident and keep
     * their contents either way. For engines whose generated code turns the resulting fault into a trap: a Java
     * access to an inaccessible page through a {@link MemorySegment} crashes the JVM instead.
     *
     * @param range a native segment whose address and size are multiples of the OS page size
     * @throws IllegalArgumentException for a heap segment or an unaligned range
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#MEMORY_COMMIT_REFUSED} if the kernel
     *     refuses
     * @throws UnsupportedOperationException if this provider cannot protect memory (the default)
     */
    default void protect(MemorySegment range, boolean accessible) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot protect memory");
    }

    /**
     * The fail-fast check on its own, for engines that allocate guest memory themselves: refuses with
     * {@link dev.jshrew.api.ErrorCode#MEMORY_COMMIT_REFUSED}, naming the limit, when {@code commitBytes} more
     * resident memory would not fit. Does nothing for {@code commitBytes <= 0}, when the check is turned off, or
     * for a provider without a budget (the default).
     */
    default void requireBudget(long commitBytes) {}

    /** This process's resident set in bytes, or -1 when unreadable: how an engine verifies what it committed. */
    default long residentSetBytes() {
        return -1;
    }
}
