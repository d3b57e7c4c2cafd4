package dev.jshrew.engine.chicory;

import dev.jshrew.tck.DeterminismConformanceTest;

/** C-66 on Chicory's bytecode compiler (NaN canonicalisation by the module pass). */
class ChicoryDeterminismConformanceTest extends DeterminismConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }

    /** Chicory runs SIMD only with its separate {@code simd} artifact, which jshrew does not ship. */
    @Override
    protected boolean runsSimd() {
        return false;
    }
}
