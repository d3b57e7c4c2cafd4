package dev.jshrew.engine.chicory;

import dev.jshrew.tck.EngineConformanceTest;

/** The conformance kit on Chicory's bytecode compiler. */
class ChicoryEngineConformanceTest extends EngineConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }
}
