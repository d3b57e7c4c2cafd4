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
        Function<Instance, Machine> machines;
        try {
            machines = mode == Mode.COMPILER ? MachineFactoryCompiler.compile(module) : InterpreterMachine::new;
        } catch (ChicoryException e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    "engine chicory, module " + moduleName + ": cannot compile: " + e.getMessage(),
                    e);
        }
        return new ChicoryCompiledModule(this, moduleName, module, machines, memoryProvider);
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
