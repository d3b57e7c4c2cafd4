package dev.jshrew.engine.graalwasm;

import dev.jshrew.tck.TimeoutConformanceTest;

/** The call-timeout kit on GraalWasm (Context.interrupt). */
class GraalwasmTimeoutConformanceTest extends TimeoutConformanceTest {
    @Override
    protected String engineName() {
        return "graalwasm";
    }
}
