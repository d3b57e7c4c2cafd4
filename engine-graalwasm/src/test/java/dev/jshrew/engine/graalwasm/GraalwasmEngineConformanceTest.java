package dev.jshrew.engine.graalwasm;

import dev.jshrew.tck.EngineConformanceTest;

class GraalwasmEngineConformanceTest extends EngineConformanceTest {
    @Override
    protected String engineName() {
        return "graalwasm";
    }
}
