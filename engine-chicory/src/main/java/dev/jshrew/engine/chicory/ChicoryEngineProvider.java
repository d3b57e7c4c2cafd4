package dev.jshrew.engine.chicory;

import dev.jshrew.api.SpiVersion;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.EngineInfo;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.engine.WasmEngineProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code chicory} engine: Chicory's JVM bytecode compiler, or its interpreter with engine option
 * {@code mode=interpreter}. Guest memory is a committed native segment (FFM) behind a custom Chicory
 * {@code Memory}, which keeps the guest-visible size itself, so reset is exact and in place. Chicory addresses
 * memory with {@code int}s: it can back 32767 pages (2 GiB − 64 KiB), and says so instead of failing a grow.
 * Every module is NaN-canonicalised before Chicory parses it ({@code dev.jshrew.engine.toolkit.wasm.NanCanonicalizer}).
 */
public final class ChicoryEngineProvider implements WasmEngineProvider {
    /** The engine's name. */
    public static final String NAME = "chicory";

    public ChicoryEngineProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int spiVersion() {
        return SpiVersion.MAJOR;
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo(
                NAME,
                "Chicory (bytecode compiler; interpreter with -E mode=interpreter)",
                ChicoryEngine.chicoryVersion());
    }

    @Override
    public Set<EngineCapability> capabilities() {
        return EnumSet.of(
                EngineCapability.FAST_RESET,
                EngineCapability.COMMITTED_MEMORY,
                EngineCapability.NAN_CANONICALIZATION,
                EngineCapability.CALL_TIMEOUT);
    }

    @Override
    public WasmEngine create(EngineContext context) {
        return new ChicoryEngine(context);
    }
}
