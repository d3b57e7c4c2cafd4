/**
 * The GraalWasm engine: GraalVM's WebAssembly runtime through the polyglot API, with the Graal JIT when the JVM
 * runs it (see the module README for how the CLI arranges that), guest memory in native memory
 * ({@code wasm.UseUnsafeMemory}), committed by growing it physically once, and reset in place through the
 * engine-neutral module rewrite of {@code dev.jshrew.engine.toolkit.wasm}.
 */
module dev.jshrew.engine.graalwasm {
    requires dev.jshrew.api;
    requires dev.jshrew.engine.toolkit;
    requires org.graalvm.polyglot;

    provides dev.jshrew.api.engine.WasmEngineProvider with
            dev.jshrew.engine.graalwasm.GraalwasmEngineProvider;
}
