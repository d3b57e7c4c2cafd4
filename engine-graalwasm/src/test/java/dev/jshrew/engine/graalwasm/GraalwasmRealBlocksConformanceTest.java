package dev.jshrew.engine.graalwasm;

import dev.jshrew.tck.RealBlocksConformanceTest;

class GraalwasmRealBlocksConformanceTest extends RealBlocksConformanceTest {
    @Override
    protected String engineName() {
        return "graalwasm";
    }
}
