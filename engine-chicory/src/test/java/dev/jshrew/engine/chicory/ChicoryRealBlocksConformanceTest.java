package dev.jshrew.engine.chicory;

import dev.jshrew.tck.RealBlocksConformanceTest;

class ChicoryRealBlocksConformanceTest extends RealBlocksConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }
}
