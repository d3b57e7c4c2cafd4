package dev.jshrew.api;

/**
 * Failure classes of jshrew. Callers branch on these codes, never on message text.
 * Each code maps to a distinct process exit status in the CLI.
 */
public enum ErrorCode {
    /** The module bytes are not valid WebAssembly, or use a feature the engine refuses. */
    MODULE_INVALID(10),
    /** An import could not be satisfied (wrong type, unsupported kind) or a required export is missing. */
    LINK(11),
    /** The guest trapped (see {@link dev.jshrew.api.engine.Trap}). */
    TRAP(12),
    /** The guest broke the host ABI: a failed {@code abort}, a malformed flush, no flush at all. */
    GUEST_ABI(13),
    /** The engine cannot give the guest what the deterministic configuration promises (e.g. pages above its cap). */
    ENGINE_LIMIT(14),
    /** No engine by that name, duplicates, or an SPI version mismatch. */
    ENGINE_UNAVAILABLE(15),
    /** The machine cannot commit the guest memory this configuration needs. */
    MEMORY_COMMIT_REFUSED(16),
    /** The storage layer failed. */
    STORAGE(17),
    /** Bad input from the operator: a malformed block file, a bad option. */
    INPUT(18);

    private final int exitCode;

    ErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The CLI's process exit status for this failure class. */
    public int exitCode() {
        return exitCode;
    }
}
