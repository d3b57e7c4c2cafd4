package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.SpiVersion;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.engine.WasmEngineProvider;
import dev.jshrew.api.memory.LinearMemoryProvider;
import java.lang.System.Logger.Level;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * The engines found through {@link ServiceLoader}. An instance, not a singleton: tests and tools make their own.
 * Thread-safe after construction.
 */
public final class EngineRegistry {
    private static final System.Logger LOG = System.getLogger(EngineRegistry.class.getName());

    private final List<WasmEngineProvider> providers;

    EngineRegistry(List<WasmEngineProvider> providers) {
        this.providers = List.copyOf(providers);
        Map<String, List<WasmEngineProvider>> byName =
                providers.stream().collect(Collectors.groupingBy(WasmEngineProvider::name));
        byName.forEach((name, list) -> {
            if (list.size() > 1) {
                throw new JshrewException(
                        ErrorCode.ENGINE_UNAVAILABLE,
                        "engine name '" + name + "' is provided twice: "
                                + list.stream().map(EngineRegistry::origin).collect(Collectors.joining(" and ")));
            }
        });
    }

    /** Loads every provider visible to the given class loader. */
    public static EngineRegistry load(ClassLoader loader) {
        List<WasmEngineProvider> found = new ArrayList<>();
        ServiceLoader.load(WasmEngineProvider.class, loader).forEach(found::add);
        found.sort(Comparator.comparing(WasmEngineProvider::name));
        return new EngineRegistry(found);
    }

    /** A registry of exactly these providers (tests, embedders that wrap an engine). */
    public static EngineRegistry of(List<WasmEngineProvider> providers) {
        List<WasmEngineProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparing(WasmEngineProvider::name));
        return new EngineRegistry(sorted);
    }

    /** Loads every provider visible to this class's loader. */
    public static EngineRegistry load() {
        return load(EngineRegistry.class.getClassLoader());
    }

    /** All providers, sorted by name. */
    public List<WasmEngineProvider> providers() {
        return providers;
    }

    /** The provider with that name. */
    public Optional<WasmEngineProvider> find(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * Resolves {@code --engine}: the named provider, or the only one when {@code name} is null.
     *
     * @throws JshrewException {@link ErrorCode#ENGINE_UNAVAILABLE} listing the engines that exist
     */
    public WasmEngineProvider resolve(String name) {
        if (providers.isEmpty()) {
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE,
                    "no WebAssembly engine found (no service providers of type " + WasmEngineProvider.class.getName()
                            + ")");
        }
        if (name == null) {
            if (providers.size() == 1) {
                return providers.get(0);
            }
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE,
                    "several engines are available, choose one with --engine: " + names());
        }
        WasmEngineProvider provider = find(name)
                .orElseThrow(() -> new JshrewException(
                        ErrorCode.ENGINE_UNAVAILABLE,
                        "no engine named '" + name + "'; available: "
                                + providers.stream()
                                        .map(p -> p.name() + " (" + origin(p) + ")")
                                        .collect(Collectors.joining(", "))));
        if (provider.spiVersion() != SpiVersion.MAJOR) {
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE,
                    "engine " + name + " was built for SPI version " + provider.spiVersion()
                            + " but this host has SPI version " + SpiVersion.MAJOR + " (" + origin(provider) + ")");
        }
        return provider;
    }

    /** Resolves and creates an engine, running {@code create} under the provider's class loader. */
    public WasmEngine create(String name, Map<String, String> options, LinearMemoryProvider memory) {
        WasmEngineProvider provider = resolve(name);
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(provider.getClass().getClassLoader());
        try {
            EngineContext context = EngineContext.of(options, memory);
            WasmEngine engine = provider.create(context);
            LOG.log(
                    Level.INFO,
                    "engine {0}: {1} {2}",
                    provider.name(),
                    provider.info().implementation(),
                    provider.info().version());
            return engine;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Comma-separated names. */
    public String names() {
        return providers.stream().map(WasmEngineProvider::name).collect(Collectors.joining(", "));
    }

    /** Where a provider class came from (its jar), for messages. */
    public static String origin(WasmEngineProvider provider) {
        CodeSource source = provider.getClass().getProtectionDomain().getCodeSource();
        return provider.getClass().getName()
                + (source == null || source.getLocation() == null ? "" : " from " + source.getLocation());
    }
}
