package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.SpiVersion;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.EngineInfo;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.engine.WasmEngineProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code wasmtime} engine: wasmtime 7.0.1 (Cranelift, ahead-of-time compiled native code) through the
 * wasmtime-java JNI binding, with NaN canonicalisation on. Guest memory is wasmtime's own 4 GiB static
 * reservation; a committed instance runs the engine-neutral {@code ResettableModule} rewrite of the guest, grows
 * physically to the guest's limit once, commits that range in place and keeps the pages beyond the guest's size
 * {@code PROT_NONE}, so out-of-bounds accesses trap exactly and {@code reset()} works in place. The constructor
 * does nothing; the native library loads in {@link #create}.
 */
public final class WasmtimeEngineProvider implements WasmEngineProvider {
    /** The engine's name. */
    public static final String NAME = "wasmtime";
    /** The wasmtime release the binding bundles. */
    static final String WASMTIME_VERSION = "7.0.1";
    /** The binding's release. */
    static final String BINDING_VERSION = "0.19.0";

    public WasmtimeEngineProvider() {}

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
                "wasmtime " + WASMTIME_VERSION + " (Cranelift) via wasmtime-java " + BINDING_VERSION + " (JNI)",
                WASMTIME_VERSION);
    }

    @Override
    public Set<EngineCapability> capabilities() {
        return EnumSet.of(
                EngineCapability.FAST_RESET,
                EngineCapability.COMMITTED_MEMORY,
                EngineCapability.MEMORY_ABOVE_2GIB,
                EngineCapability.NAN_CANONICALIZATION,
                EngineCapability.CALL_TIMEOUT,
                EngineCapability.KEY_FILTER,
                EngineCapability.VALUE_TABLE);
    }

    @Override
    public WasmEngine create(EngineContext context) {
        return new WasmtimeEngine(context);
    }
}
