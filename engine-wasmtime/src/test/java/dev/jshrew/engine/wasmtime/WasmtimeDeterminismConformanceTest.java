package dev.jshrew.engine.wasmtime;

import dev.jshrew.tck.DeterminismConformanceTest;

/** C-66 on wasmtime (NaN canonicalisation by Cranelift). */
class WasmtimeDeterminismConformanceTest extends DeterminismConformanceTest {
    @Override
    protected String engineName() {
        return "wasmtime";
    }
}
