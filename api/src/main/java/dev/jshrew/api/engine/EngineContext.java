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

/**
 * What the host hands an engine at {@link WasmEngineProvider#create}: the engine's options (keys without the
 * {@code engine.<name>.} prefix) and the guest-memory provider. Options are strict: an engine reads what it
 * knows with {@link #option}, then calls {@link #rejectUnknownOptions}, which fails on anything left over.
 *
 * <p>Thread-safe for reads; {@link #option} records which keys were consumed.
 */
public final class EngineContext {
    private final Map<String, String> options;
    private final LinearMemoryProvider memoryProvider;
    private final Set<String> consumed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private EngineContext(Map<String, String> options, LinearMemoryProvider memoryProvider) {
        this.options = Map.copyOf(options);
        this.memoryProvider = Objects.requireNonNull(memoryProvider, "memoryProvider");
    }

    public static EngineContext of(Map<String, String> options, LinearMemoryProvider memoryProvider) {
        return new EngineContext(options, memoryProvider);
    }

    /** The value of an engine option, marking it as known. */
    public Optional<String> option(String key) {
        consumed.add(key);
        return Optional.ofNullable(options.get(key));
    }

    /** Fails with {@link ErrorCode#INPUT} naming every option the engine did not read. */
    public void rejectUnknownOptions(String engineName) {
        Set<String> unknown = new HashSet<>(options.keySet());
        unknown.removeAll(consumed);
        if (!unknown.isEmpty()) {
            throw new JshrewException(ErrorCode.INPUT, "engine " + engineName + " does not know option(s) "
                    + new TreeMap<>(Map.copyOf(options)).keySet().stream().filter(unknown::contains).toList());
        }
    }

    /** Reserves and commits guest linear memory. */
    public LinearMemoryProvider memoryProvider() {
        return memoryProvider;
    }
}
