package dev.jshrew.api.engine;

import java.util.Objects;

/**
 * Description of an engine for {@code jshrew engines}.
 *
 * @param name the provider's stable name
 * @param implementation the library behind it, e.g. "Chicory bytecode compiler"
 * @param version the library's version
 */
public record EngineInfo(String name, String implementation, String version) {
    public EngineInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(implementation, "implementation");
        Objects.requireNonNull(version, "version");
    }
}
