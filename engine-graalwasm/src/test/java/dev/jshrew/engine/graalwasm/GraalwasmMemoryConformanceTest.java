package dev.jshrew.engine.graalwasm;

import dev.jshrew.tck.MemoryConformanceTest;

class GraalwasmMemoryConformanceTest extends MemoryConformanceTest {
    @Override
    protected String engineName() {
        return "graalwasm";
    }
}
