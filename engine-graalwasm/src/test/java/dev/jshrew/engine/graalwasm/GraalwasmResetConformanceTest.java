package dev.jshrew.engine.graalwasm;

import dev.jshrew.tck.ResetConformanceTest;

class GraalwasmResetConformanceTest extends ResetConformanceTest {
    @Override
    protected String engineName() {
        return "graalwasm";
    }
}
