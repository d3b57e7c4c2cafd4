package dev.jshrew.api.engine;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.LinearMemoryProvider;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The {@link EngineContext} the host hands engines ({@link EngineContext#of}). */
final class SimpleEngineContext implements EngineContext {
    private final Map<String, String> options;
    private final LinearMemoryProvider memoryProvider;
    private final Set<String> consumed = ConcurrentHashMap.newKeySet();

    SimpleEngineContext(Map<String, String> options, LinearMemoryProvider memoryProvider) {
        this.options = Map.copyOf(options);
        this.memoryProvider = Objects.requireNonNull(memoryProvider, "memoryProvider");
    }

    @Override
    public Optional<String> option(String key) {
        consumed.add(key);
        return Optional.ofNullable(options.get(key));
    }

    @Override
    public void rejectUnknownOptions(String engineName) {
        Set<String> unknown = new HashSet<>(options.keySet());
        unknown.removeAll(consumed);
        if (!unknown.isEmpty()) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "engine " + engineName + " does not know option(s) "
                            + new TreeMap<>(Map.copyOf(options))
                                    .keySet().stream().filter(unknown::contains).toList());
        }
    }

    @Override
    public LinearMemoryProvider memoryProvider() {
        return memoryProvider;
    }
}
