package dev.jshrew.engine.wasmtime;

import dev.jshrew.tck.EngineConformanceTest;

class WasmtimeEngineConformanceTest extends EngineConformanceTest {
    @Override
    protected String engineName() {
        return "wasmtime";
    }
}
