package dev.jshrew.tck.archfixture;

import dev.jshrew.api.memory.LinearMemoryProvider;

/** Engine-like code that keeps the rules, for {@code EngineArchitectureTest}. */
final class UsesOnlyTheSpi {
    private UsesOnlyTheSpi() {}

    static long rss(LinearMemoryProvider provider) {
        return provider.residentSetBytes();
    }
}
