package dev.jshrew.engine.chicory;

import dev.jshrew.tck.MemoryConformanceTest;

class ChicoryMemoryConformanceTest extends MemoryConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }
}
