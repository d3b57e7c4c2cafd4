package dev.jshrew.engine.wasmtime;

import dev.jshrew.tck.ArchitectureConformanceTest;

class WasmtimeArchitectureConformanceTest extends ArchitectureConformanceTest {}
