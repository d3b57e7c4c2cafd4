package dev.jshrew.engine.chicory;

import dev.jshrew.tck.TimeoutConformanceTest;
import java.util.Map;

/** The call-timeout kit on Chicory's interpreter. */
class ChicoryInterpreterTimeoutConformanceTest extends TimeoutConformanceTest {
    @Override
    protected String engineName() {
        return "chicory";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("mode", "interpreter");
    }
}
