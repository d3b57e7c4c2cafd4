package dev.jshrew.api.engine;

/**
 * A started engine: configuration plus compiler. Thread-safe and long-lived (one per process); closing it
 * releases compiled code and native resources, after every instance it created has been closed.
 */
public interface WasmEngine extends AutoCloseable {
    /** The provider's name, for messages. */
    String name();

    /**
     * What this engine supports: the same set as its provider's {@link WasmEngineProvider#capabilities()}, so a host
     * holding a module ({@link CompiledModule#engine()}) never has to find the provider again.
     */
    java.util.Set<EngineCapability> capabilities();

    /**
     * Decodes, validates and compiles a module. Expensive: call once per module and reuse the result.
     *
     * @param moduleName a name for messages, typically the file name
     * @throws dev.jshrew.api.JshrewException with {@link dev.jshrew.api.ErrorCode#MODULE_INVALID} for malformed
     *     or invalid bytes; the message names the engine and the module
     */
    CompiledModule compile(String moduleName, byte[] wasm);

    /** Idempotent. */
    @Override
    void close();
}
