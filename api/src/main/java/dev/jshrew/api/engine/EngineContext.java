package dev.jshrew.api.engine;

import dev.jshrew.api.memory.LinearMemoryProvider;
import java.util.Map;
import java.util.Optional;

/**
 * What the host hands an engine at {@link WasmEngineProvider#create}: the engine's options (keys without the
 * {@code engine.<name>.} prefix) and the guest-memory provider. Options are strict: an engine reads what it
 * knows with {@link #option}, then calls {@link #rejectUnknownOptions}, which fails on anything left over.
 *
 * <p>An interface so that it can grow: whatever the host hands engines later arrives as a new default method, and
 * engines written against an older SPI keep compiling. The host creates contexts with {@link #of}.
 *
 * <p>Thread-safe for reads; {@link #option} records which keys were consumed.
 */
public interface EngineContext {
    /** A context over {@code options} (copied) and {@code memoryProvider}. */
    static EngineContext of(Map<String, String> options, LinearMemoryProvider memoryProvider) {
        return new SimpleEngineContext(options, memoryProvider);
    }

    /** The value of an engine option, marking it as known. */
    Optional<String> option(String key);

    /**
     * Fails with {@link dev.jshrew.api.ErrorCode#INPUT} naming every option the engine did not read.
     *
     * @throws dev.jshrew.api.JshrewException when an option was not read
     */
    void rejectUnknownOptions(String engineName);

    /** Reserves and commits guest linear memory, or commits memory the engine mapped itself. */
    LinearMemoryProvider memoryProvider();
}
