/**
 * The wasmtime engine: wasmtime 7.0.1 through the wasmtime-java JNI binding (automatic module {@code wasmtime.java},
 * named after its jar: the jar declares no module name).
 */
module dev.jshrew.engine.wasmtime {
    requires dev.jshrew.api;
    requires dev.jshrew.engine.toolkit;
    requires wasmtime.java;

    provides dev.jshrew.api.engine.WasmEngineProvider with
            dev.jshrew.engine.wasmtime.WasmtimeEngineProvider;
}
