package dev.jshrew.engine.wasmtime;

import dev.jshrew.tck.TimeoutConformanceTest;

/** The call-timeout kit on wasmtime (epoch interruption). */
class WasmtimeTimeoutConformanceTest extends TimeoutConformanceTest {
    @Override
    protected String engineName() {
        return "wasmtime";
    }
}
