package dev.jshrew.engine.wasmtime;

import dev.jshrew.tck.RealBlocksConformanceTest;

class WasmtimeRealBlocksConformanceTest extends RealBlocksConformanceTest {
    @Override
    protected String engineName() {
        return "wasmtime";
    }
}
