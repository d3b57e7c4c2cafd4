package dev.jshrew.engine.chicory;

import java.util.Map;

/** C-66 on Chicory's interpreter. */
class ChicoryInterpreterDeterminismConformanceTest extends ChicoryDeterminismConformanceTest {
    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("mode", "interpreter");
    }
}
