package dev.jshrew.engine.chicory;

import dev.jshrew.tck.ResetConformanceTest;

class ChicoryResetConformanceTest extends ResetConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }
}
