package dev.jshrew.engine.chicory;

import dev.jshrew.tck.TimeoutConformanceTest;

/** The call-timeout kit on Chicory's bytecode compiler. */
class ChicoryTimeoutConformanceTest extends TimeoutConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }
}
