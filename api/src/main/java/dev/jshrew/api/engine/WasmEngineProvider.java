package dev.jshrew.api.engine;

import java.util.Set;

/**
 * Entry point of a WebAssembly engine, discovered with {@link java.util.ServiceLoader}.
 *
 * <p>Implementations are {@code public final} classes with a public no-argument constructor that does nothing
 * (no native loading, no threads): all heavy work happens in {@link #create}. Register the provider twice, in
 * {@code module-info.java} ({@code provides dev.jshrew.api.engine.WasmEngineProvider with ...}) and in
 * {@code META-INF/services/dev.jshrew.api.engine.WasmEngineProvider}; the TCK checks that both agree.
 *
 * <pre>{@code
 * WasmEngineProvider provider = ServiceLoader.load(WasmEngineProvider.class).stream()
 *         .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("chicory")).findFirst().orElseThrow();
 * try (WasmEngine engine = provider.create(EngineContext.of(Map.of(), memoryProvider))) {
 *     CompiledModule module = engine.compile("indexer.wasm", bytes);   // once
 *     try (ModuleInstance instance = module.instantiate(imports, options)) { ... }  // many times
 * }
 * }</pre>
 */
public interface WasmEngineProvider {
    /** Stable lowercase name that operators type ({@code --engine NAME}), e.g. {@code chicory}. */
    String name();

    /**
     * The SPI major version this provider was compiled against: implement as {@code return SpiVersion.MAJOR;}
     * so the constant is inlined at compile time.
     */
    int spiVersion();

    /** Human-readable description: implementation library and its version. Must not load native code. */
    EngineInfo info();

    /** What this engine supports. Absent capabilities have documented failure modes, asserted by the TCK. */
    Set<EngineCapability> capabilities();

    /**
     * Creates an engine. Called at most once per process for a given configuration; the caller closes it.
     *
     * @throws dev.jshrew.api.JshrewException with {@link dev.jshrew.api.ErrorCode#ENGINE_UNAVAILABLE} when the
     *     engine cannot start here, or {@link dev.jshrew.api.ErrorCode#INPUT} for an unknown or bad option
     */
    WasmEngine create(EngineContext context);
}
