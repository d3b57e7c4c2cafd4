package dev.jshrew.engine.chicory;

import dev.jshrew.tck.EngineConformanceTest;
import java.util.Map;

/** The conformance kit on Chicory's interpreter. */
class ChicoryInterpreterEngineConformanceTest extends EngineConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("mode", "interpreter");
    }
}
