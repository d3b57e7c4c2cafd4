/**
 * The Chicory engine (pure Java: bytecode compiler by default, interpreter with option {@code mode=interpreter}).
 * Guest modules are NaN-canonicalised first by {@code dev.jshrew.engine.toolkit.wasm.NanCanonicalizer}.
 */
module dev.jshrew.engine.chicory {
    requires dev.jshrew.api;
    requires dev.jshrew.engine.toolkit;
    requires com.dylibso.chicory.runtime;
    requires com.dylibso.chicory.wasm;
    requires com.dylibso.chicory.compiler;
    requires jdk.management; // HotSpotDiagnosticMXBean: is DontCompileHugeMethods on?

    provides dev.jshrew.api.engine.WasmEngineProvider with
            dev.jshrew.engine.chicory.ChicoryEngineProvider;
}
