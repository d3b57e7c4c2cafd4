package dev.jshrew.tck.archfixture;

import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.memory.CommittedMemoryProvider;

/** A deliberate violation for {@code EngineArchitectureTest}: engine-like code downcasting to the implementation. */
final class ReachesPastTheSpi {
    private ReachesPastTheSpi() {}

    static boolean committed(LinearMemoryProvider provider) {
        return provider instanceof CommittedMemoryProvider;
    }
}
