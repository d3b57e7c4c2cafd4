package dev.jshrew.engine.graalwasm;

import dev.jshrew.tck.DeterminismConformanceTest;

/** C-66 on GraalWasm (NaN canonicalisation by the module pass). */
class GraalwasmDeterminismConformanceTest extends DeterminismConformanceTest {
    @Override
    protected String engineName() {
        return "graalwasm";
    }
}
