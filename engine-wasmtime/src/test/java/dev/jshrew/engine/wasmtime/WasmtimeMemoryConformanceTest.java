package dev.jshrew.engine.wasmtime;

import dev.jshrew.tck.MemoryConformanceTest;

class WasmtimeMemoryConformanceTest extends MemoryConformanceTest {
    @Override
    protected String engineName() {
        return "wasmtime";
    }
}
