package dev.jshrew.engine.graalwasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.SpiVersion;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.EngineInfo;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.engine.WasmEngineProvider;
import java.io.IOException;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.Properties;
import java.util.Set;

/**
 * The {@code graalwasm} engine: GraalVM's GraalWasm through the polyglot API, compiled by the Graal JIT (engine
 * option {@code mode=jit}, the default, refuses to start without it; {@code mode=interpreter} runs Truffle's
 * interpreter on purpose). Guest memory is GraalWasm's native memory ({@code wasm.UseUnsafeMemory}), which reaches
 * 65536 pages; it is committed by growing it physically once through the module rewrite of
 * {@code dev.jshrew.engine.toolkit.wasm}, which also gives the in-place reset. Every module is NaN-canonicalised first
 * ({@code dev.jshrew.engine.toolkit.wasm.NanCanonicalizer}).
 */
public final class GraalwasmEngineProvider implements WasmEngineProvider {
    /** The engine's name. */
    public static final String NAME = "graalwasm";

    public GraalwasmEngineProvider() {}

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
                "GraalWasm (polyglot API; Graal JIT, or Truffle's interpreter with -E mode=interpreter)",
                graalvmVersion());
    }

    @Override
    public Set<EngineCapability> capabilities() {
        return EnumSet.of(
                EngineCapability.FAST_RESET,
                EngineCapability.COMMITTED_MEMORY,
                EngineCapability.MEMORY_ABOVE_2GIB,
                EngineCapability.NAN_CANONICALIZATION,
                EngineCapability.CALL_TIMEOUT);
    }

    @Override
    public WasmEngine create(EngineContext context) {
        try {
            Class.forName("org.graalvm.polyglot.Engine", false, GraalwasmEngineProvider.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE,
                    "engine " + NAME + ": the GraalVM polyglot jars are not on this JVM's module or class path"
                            + " (the distribution's bin/jshrew puts them there, and so does java -jar jshrew.jar"
                            + " when the build's graalvm/ directory is beside the jar)",
                    e);
        }
        return new GraalwasmEngine(context);
    }

    /**
     * The GraalVM release the module was built against, from a resource filtered at build time (no GraalVM class
     * loaded).
     */
    static String graalvmVersion() {
        try (InputStream in = GraalwasmEngineProvider.class.getResourceAsStream("graalwasm.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("graalvm.version", "unknown");
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
