package dev.jshrew.engine.chicory;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.engine.toolkit.wasm.ModuleFacts;
import dev.jshrew.engine.toolkit.wasm.NanCanonicalizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** A started Chicory engine. Thread-safe. */
final class ChicoryEngine implements WasmEngine {
    private static final System.Logger LOG = System.getLogger(ChicoryEngine.class.getName());

    /** How guest code runs. */
    enum Mode {
        COMPILER,
        INTERPRETER
    }

    private final Mode mode;
    private final LinearMemoryProvider memoryProvider;
    private final AtomicBoolean closed = new AtomicBoolean();

    ChicoryEngine(EngineContext context) {
        String modeName = context.option("mode").orElse("compiler");
        this.mode = switch (modeName) {
            case "compiler" -> Mode.COMPILER;
            case "interpreter" -> Mode.INTERPRETER;
            default ->
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "engine chicory: option mode must be compiler or interpreter, not '" + modeName + "'");
        };
        context.rejectUnknownOptions(ChicoryEngineProvider.NAME);
        this.memoryProvider = context.memoryProvider();
    }

    @Override
    public String name() {
        return ChicoryEngineProvider.NAME;
    }

    @Override
    public java.util.Set<dev.jshrew.api.engine.EngineCapability> capabilities() {
        return new ChicoryEngineProvider().capabilities();
    }

    Mode mode() {
        return mode;
    }

    @Override
    public CompiledModule compile(String moduleName, byte[] wasm) {
        if (closed.get()) {
            throw new IllegalStateException("engine chicory is closed");
        }
        // what every engine refuses (shared memory, multiple memories, ...), refused here the same way
        ModuleFacts.read("engine chicory, module " + moduleName, wasm);
        byte[] canonical;
        try {
            canonical = NanCanonicalizer.canonicalize(moduleName, wasm);
        } catch (JshrewException e) {
            throw new JshrewException(e.code(), "engine chicory, " + e.getMessage(), e);
        }
        WasmModule module;
        try {
            module = Parser.parse(canonical);
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    "engine chicory, module " + moduleName + ": not a valid WebAssembly module: " + e.getMessage(),
                    e);
        }
        Function<Instance, Machine> machines = machines(moduleName, module);
        if (mode == Mode.COMPILER) {
            warnIfHugeFunctionsStayInterpreted(moduleName, module);
        }
        return new ChicoryCompiledModule(this, moduleName, module, machines, memoryProvider);
    }

    /** The module's code: compiled to JVM classes of their own (compiler mode), or the interpreter. */
    Function<Instance, Machine> machines(String moduleName, WasmModule module) {
        try {
            return mode == Mode.COMPILER ? MachineFactoryCompiler.compile(module) : InterpreterMachine::new;
        } catch (ChicoryException e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    "engine chicory, module " + moduleName + ": cannot compile: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Guest functions of at least this many instructions compile to Java methods near or past HotSpot's 8,000-byte
     * limit for JIT compilation ({@code -XX:+DontCompileHugeMethods}, the default), which then run in HotSpot's
     * bytecode interpreter for good. (ALKANES' SHA-256 block function, 8 KB of wasm, is one: 2.7x per block.)
     */
    static final int HUGE_FUNCTION_INSTRUCTIONS = 2_000;

    private static void warnIfHugeFunctionsStayInterpreted(String moduleName, WasmModule module) {
        if (!hotSpotRefusesHugeMethods()) {
            return; // bin/jshrew's JVM: no need to scan the code
        }
        var code = module.codeSection();
        int bodies = code == null ? 0 : code.functionBodyCount();
        long huge = java.util.stream.IntStream.range(0, bodies)
                .filter(f -> code.getFunctionBody(f).instructions().size() >= HUGE_FUNCTION_INSTRUCTIONS)
                .count();
        if (huge > 0) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "engine chicory, module {0}: {1} guest function(s) of {2}+ instructions may compile to methods"
                            + " HotSpot never JIT-compiles (DontCompileHugeMethods is on) and then run interpreted;"
                            + " start the JVM with -XX:-DontCompileHugeMethods (bin/jshrew does)",
                    moduleName,
                    huge,
                    HUGE_FUNCTION_INSTRUCTIONS);
        }
    }

    /** Whether this JVM refuses to JIT-compile huge methods; false when it cannot tell (not HotSpot). */
    static boolean hotSpotRefusesHugeMethods() {
        try {
            var diagnostics = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return diagnostics != null
                    && Boolean.parseBoolean(
                            diagnostics.getVMOption("DontCompileHugeMethods").getValue());
        } catch (IllegalArgumentException e) { // no such option on this VM
            return false;
        }
    }

    @Override
    public void close() {
        closed.set(true);
    }

    static String chicoryVersion() {
        try (InputStream in =
                Instance.class.getResourceAsStream("/META-INF/maven/com.dylibso.chicory/runtime/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            return "unknown";
        }
        String v = Instance.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
