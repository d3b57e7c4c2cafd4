package dev.jshrew.engine.wasmtime;

import dev.jshrew.tck.ResetConformanceTest;

class WasmtimeResetConformanceTest extends ResetConformanceTest {
    @Override
    protected String engineName() {
        return "wasmtime";
    }
}
