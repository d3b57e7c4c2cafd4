package dev.jshrew.engine.graalwasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.engine.toolkit.wasm.ModuleFacts;
import dev.jshrew.engine.toolkit.wasm.NanCanonicalizer;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * A started GraalWasm engine: one long-lived polyglot {@link Engine}, whose code cache every instance's
 * {@link Context} shares (a module is parsed once and its compiled code is reused by every later context).
 * Thread-safe.
 */
final class GraalwasmEngine implements WasmEngine {
    private static final System.Logger LOG = System.getLogger(GraalwasmEngine.class.getName());

    /** Truffle's name for its fallback runtime, which cannot compile guest code. */
    static final String INTERPRETED_RUNTIME = "Interpreted";

    /** How guest code runs. */
    enum Mode {
        JIT,
        INTERPRETER
    }

    private final Mode mode;
    private final Engine polyglot;
    private final String runtime;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** GraalWasm allocates guest memory itself: the provider checks the budget and measures what it committed. */
    private final LinearMemoryProvider memoryProvider;

    GraalwasmEngine(EngineContext context) {
        String modeName = context.option("mode").orElse("jit");
        this.mode = switch (modeName) {
            case "jit" -> Mode.JIT;
            case "interpreter" -> Mode.INTERPRETER;
            default ->
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "engine graalwasm: option mode must be jit or interpreter, not '" + modeName + "'");
        };
        context.rejectUnknownOptions(GraalwasmEngineProvider.NAME);
        this.memoryProvider = context.memoryProvider();
        Engine built = newEngine(false);
        String name = built.getImplementationName();
        boolean jitAvailable = !INTERPRETED_RUNTIME.equals(name);
        try {
            requireRuntime(mode, name);
        } catch (JshrewException e) {
            built.close();
            throw e;
        }
        if (mode == Mode.INTERPRETER && jitAvailable) {
            built.close();
            built = newEngine(true);
        }
        this.polyglot = built;
        this.runtime = mode == Mode.JIT
                ? name + " (Graal JIT)"
                : (jitAvailable ? name + " with compilation off" : name) + " (interpreter)";
        LOG.log(
                Level.INFO,
                "engine graalwasm: GraalWasm {0} on {1}, guest memory native (wasm.UseUnsafeMemory)",
                GraalwasmEngineProvider.graalvmVersion(),
                runtime);
    }

    /**
     * Refuses to run guest code interpreted unless that was asked for: without the Graal JIT GraalWasm is an order
     * of magnitude slower, which an operator should choose, not discover.
     *
     * @param implementationName {@link Engine#getImplementationName()}: "Interpreted" for Truffle's fallback runtime
     */
    static void requireRuntime(Mode mode, String implementationName) {
        if (mode == Mode.JIT && INTERPRETED_RUNTIME.equals(implementationName)) {
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE,
                    "engine graalwasm: the Graal JIT is not active in this JVM, and"
                            + " GraalWasm would run interpreted (10 to 20 times slower). The distribution's"
                            + " bin/jshrew starts the JVM with the JIT (JVMCI, the Graal compiler and the Truffle"
                            + " jars on the module path), and java -jar jshrew.jar relaunches itself with it when"
                            + " the build's graalvm/ directory is beside the jar; or pass -E mode=interpreter"
                            + " to run interpreted on purpose");
        }
    }

    private static Engine newEngine(boolean compilationOff) {
        Engine.Builder builder = Engine.newBuilder("wasm")
                .allowExperimentalOptions(true)
                // we say ourselves which runtime is active, and refuse the interpreter unless asked for it
                .option("engine.WarnInterpreterOnly", "false");
        if (compilationOff) {
            builder.option("engine.Compilation", "false");
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException | PolyglotException e) {
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE, "engine graalwasm cannot start: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return GraalwasmEngineProvider.NAME;
    }

    @Override
    public java.util.Set<dev.jshrew.api.engine.EngineCapability> capabilities() {
        return new GraalwasmEngineProvider().capabilities();
    }

    /** Which Truffle runtime runs guest code, for messages. */
    String runtime() {
        return runtime;
    }

    LinearMemoryProvider memoryProvider() {
        return memoryProvider;
    }

    /** A new context on the shared engine: native guest memory, nothing else of the host. */
    Context newContext() {
        ensureOpen();
        return Context.newBuilder("wasm")
                .engine(polyglot)
                .allowExperimentalOptions(true)
                .option("wasm.UseUnsafeMemory", "true")
                .build();
    }

    static Source source(String moduleName, byte[] wasm) {
        return Source.newBuilder("wasm", ByteSequence.create(wasm), moduleName)
                .cached(true)
                .buildLiteral();
    }

    @Override
    public CompiledModule compile(String moduleName, byte[] wasm) {
        ensureOpen();
        wasm = canonicalNans(
                moduleName, wasm); // C-66: everything below (facts, validation, reset rewrite, fallback) sees it
        ModuleFacts facts = ModuleFacts.read("engine " + GraalwasmEngineProvider.NAME + ", module " + moduleName, wasm);
        // Parse and validate it with GraalWasm now, so an invalid module fails here and not at the first block.
        try (Context context = newContext()) {
            context.eval(source(moduleName, wasm));
        } catch (PolyglotException e) {
            if (e.isHostException() || e.isInternalError()) {
                throw e;
            }
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    "engine graalwasm, module " + moduleName + ": not a valid WebAssembly module: " + e.getMessage(),
                    e);
        }
        return new GraalwasmCompiledModule(this, moduleName, wasm, facts);
    }

    /** The module with every NaN result canonicalised ({@link NanCanonicalizer}); its errors name the engine. */
    static byte[] canonicalNans(String moduleName, byte[] wasm) {
        try {
            return NanCanonicalizer.canonicalize(moduleName, wasm);
        } catch (JshrewException e) {
            throw new JshrewException(e.code(), "engine " + GraalwasmEngineProvider.NAME + ", " + e.getMessage(), e);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("engine graalwasm is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                polyglot.close();
            } catch (IllegalStateException e) {
                // a context is still executing (its instance was not closed first): stop it
                polyglot.close(true);
            }
        }
    }
}
