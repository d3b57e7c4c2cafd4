package dev.jshrew.engine.chicory;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteBufferMemory;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportGlobal;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportTable;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.Table;
import com.dylibso.chicory.wasm.types.TableLimits;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.tck.SpecSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Runs the official WebAssembly spec tests for linear memory against {@link SegmentMemory}, on Chicory's bytecode
 * compiler and on its interpreter. The testsuite is not part of this repository (nor anything generated from it):
 * {@code tools/spectest.sh} converts a checkout of it to JSON + .wasm outside the repository, and this test reads
 * that directory through {@link SpecSuite} (the system property {@value SpecSuite#DIR_PROPERTY} or the environment
 * variable {@value SpecSuite#DIR_ENV}). Without either it is skipped, visibly. See {@code tools/README-spectest.md}.
 *
 * <p>Every command of every script is one dynamic test, run in script order (a script's commands share its module
 * state). Text-format {@code assert_malformed} modules are skipped (the test only has a binary parser). A
 * {@code memory.grow} that {@link SegmentMemory} refuses with {@link ErrorCode#ENGINE_LIMIT} (growth above
 * {@link SegmentMemory#ENGINE_MAX_PAGES} pages within the guest's limit, by design) aborts that command as a
 * documented divergence instead of failing it. A summary per file and mode is printed at the end and written to
 * {@code target/spectest-summary.txt}.
 *
 * <p>Guest memories (and the {@code spectest} module's memory) are {@link SegmentMemory} instances over memory
 * reserved, uncommitted, from {@link CommittedMemoryProvider}, sized as {@link ChicoryModuleInstance} sizes them.
 * With {@value #MEMORY_PROPERTY}{@code =bytebuffer} (or {@value #MEMORY_ENV}) they are Chicory's
 * {@link ByteBufferMemory} instead: a control run, to tell SegmentMemory's failures from Chicory's own.
 */
class SpecMemoryTest {
    /**
     * Validation cases Chicory 1.7.5 itself gets wrong, unrelated to memory behaviour (the same failures appear with
     * Chicory's own ByteBufferMemory): its validator accepts WebAssembly 3.0 features these 2.0 tests expect rejected.
     */
    private static final java.util.Map<Object, String> VALIDATOR_EXCLUSIONS = java.util.Map.of(
            "memory.6.wasm", "Chicory 1.7.5 accepts multiple memories (memory.wast line 10)",
            "memory.7.wasm", "Chicory 1.7.5 accepts multiple memories (memory.wast line 11)",
            "data.9.wasm", "Chicory 1.7.5 accepts a data offset reading a defined global (data.wast line 89)",
            "data.10.wasm", "Chicory 1.7.5 accepts a data offset reading a defined global (data.wast line 93)");

    /**
     * {@code segment} (default): guests get {@link SegmentMemory}. {@code bytebuffer}: Chicory's own
     * {@link ByteBufferMemory}, a control run telling SegmentMemory's failures from the engine's.
     */
    static final String MEMORY_PROPERTY = "jshrew.spectest.memory";

    static final String MEMORY_ENV = "JSHREW_SPECTEST_MEMORY";

    /** Pages a guest may address at most (4 GiB); the cap the memory factory applies to declared maxima. */
    static final int WASM_MAX_PAGES = 65536;

    enum Mode {
        COMPILER,
        INTERPRETER;

        Function<Instance, Machine> machines(WasmModule module) {
            return this == COMPILER ? MachineFactoryCompiler.compile(module) : InterpreterMachine::new;
        }
    }

    enum Outcome {
        PASSED,
        FAILED,
        SKIPPED,
        DIVERGENCE
    }

    private static final CommittedMemoryProvider PROVIDER = new CommittedMemoryProvider();
    /** Outcome counts per "file mode", in run order. */
    private static final Map<String, EnumMap<Outcome, Integer>> SUMMARY = new LinkedHashMap<>();

    private static final List<String> DIVERGENCES = new ArrayList<>();
    private static final List<String> FAILURES = new ArrayList<>();
    private static final List<Script> OPEN = new ArrayList<>();

    static boolean controlRun() {
        String memory = System.getProperty(MEMORY_PROPERTY, System.getenv(MEMORY_ENV));
        if (memory == null || memory.isBlank() || memory.equals("segment")) {
            return false;
        } else if (memory.equals("bytebuffer")) {
            return true;
        }
        throw new IllegalArgumentException(
                MEMORY_PROPERTY + "/" + MEMORY_ENV + " must be segment or bytebuffer, not " + memory);
    }

    /** The {@link SpecSuite} scripts in both modes; one skipped test with the reason when they are absent. */
    @TestFactory
    Stream<DynamicNode> officialMemorySpecTests() {
        var skipped = SpecSuite.skippedWhenAbsent("SpecMemoryTest", "official memory spec tests");
        if (skipped.isPresent()) {
            return Stream.of(skipped.get());
        }
        Path dir = SpecSuite.dir();
        List<String> found = SpecSuite.present(dir);
        return Stream.of(Mode.values())
                .map(mode -> DynamicContainer.dynamicContainer(
                        mode.name().toLowerCase(Locale.ROOT),
                        SpecSuite.FILES.stream()
                                .map(file -> found.contains(file)
                                        ? fileContainer(dir, file, mode)
                                        : DynamicTest.dynamicTest(file + ".wast", () -> {
                                            throw new TestAbortedException(
                                                    file + ".json is not in " + dir + " (not in the testsuite, or "
                                                            + "wast2json could not convert it)");
                                        }))));
    }

    private static DynamicContainer fileContainer(Path dir, String file, Mode mode) {
        Script script = new Script(dir, file, mode);
        String key = file + " " + mode.name().toLowerCase(Locale.ROOT);
        // Children are built lazily: the JSON is read only when JUnit reaches this container.
        Stream<DynamicNode> children = Stream.of(file)
                .flatMap(f -> {
                    synchronized (OPEN) {
                        OPEN.add(script);
                        SUMMARY.put(key, new EnumMap<>(Outcome.class));
                    }
                    List<Map<String, Object>> commands = script.commands();
                    return commands.stream().map(c -> (DynamicNode)
                            DynamicTest.dynamicTest(SpecSuite.describe(c), () -> record(key, c, () -> script.run(c))));
                })
                .onClose(script::close);
        return DynamicContainer.dynamicContainer(file + ".wast", children);
    }

    private static void record(String key, Map<String, Object> command, ThrowingRunnable body) throws Throwable {
        Outcome outcome = Outcome.FAILED;
        try {
            body.run();
            outcome = Outcome.PASSED;
        } catch (Divergence d) {
            outcome = Outcome.DIVERGENCE;
            synchronized (OPEN) {
                DIVERGENCES.add(key + " line " + command.get("line") + ": " + d.getMessage());
            }
            throw d;
        } catch (TestAbortedException e) {
            outcome = Outcome.SKIPPED;
            throw e;
        } catch (Throwable t) {
            synchronized (OPEN) {
                FAILURES.add(key + " " + SpecSuite.describe(command) + ": " + t);
            }
            // Dynamic tests are reported by index only: name the script, mode and command in the failure.
            throw new AssertionFailedError(key + " " + SpecSuite.describe(command) + ": " + t, t);
        } finally {
            synchronized (OPEN) {
                SUMMARY.get(key).merge(outcome, 1, Integer::sum);
            }
        }
    }

    @AfterAll
    static void summary() throws IOException {
        synchronized (OPEN) {
            OPEN.forEach(Script::close);
            OPEN.clear();
            if (SUMMARY.isEmpty()) {
                return;
            }
            StringBuilder out = new StringBuilder("SpecMemoryTest summary (" + SpecSuite.dir() + ", memory "
                    + (controlRun() ? "ByteBufferMemory (control run)" : "SegmentMemory") + ")\n");
            out.append(String.format(
                    Locale.ROOT, "%-30s %7s %7s %7s %10s%n", "file mode", "passed", "failed", "skipped", "divergent"));
            SUMMARY.forEach((k, v) -> out.append(String.format(
                    Locale.ROOT,
                    "%-30s %7d %7d %7d %10d%n",
                    k,
                    v.getOrDefault(Outcome.PASSED, 0),
                    v.getOrDefault(Outcome.FAILED, 0),
                    v.getOrDefault(Outcome.SKIPPED, 0),
                    v.getOrDefault(Outcome.DIVERGENCE, 0))));
            out.append("documented divergences (ENGINE_LIMIT):").append(DIVERGENCES.isEmpty() ? " none\n" : "\n");
            DIVERGENCES.forEach(d -> out.append("  ").append(d).append('\n'));
            out.append("failures:").append(FAILURES.isEmpty() ? " none\n" : "\n");
            FAILURES.forEach(f -> out.append("  ").append(f).append('\n'));
            System.out.print(out);
            Path target = Path.of("target");
            if (Files.isDirectory(target)) {
                Files.writeString(target.resolve("spectest-summary.txt"), out);
            }
            SUMMARY.clear();
            DIVERGENCES.clear();
            FAILURES.clear();
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Throwable;
    }

    /** An expected, documented divergence: reported as aborted (skipped) with its reason, never as a pass. */
    static final class Divergence extends TestAbortedException {
        Divergence(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One script (JSON file) in one mode: its modules, registrations and spectest host module. */
    static final class Script implements AutoCloseable {
        private final Path dir;
        private final String file;
        private final Mode mode;
        private final List<LinearMemory> memories = new ArrayList<>();
        private final Map<String, Instance> named = new HashMap<>();
        /** Registered name -> instance, in registration order. */
        private final Map<String, Instance> registered = new LinkedHashMap<>();

        private ImportValues spectest;
        private Instance current;
        private boolean closed;

        Script(Path dir, String file, Mode mode) {
            this.dir = dir;
            this.file = file;
            this.mode = mode;
        }

        List<Map<String, Object>> commands() {
            return SpecSuite.commands(dir, file);
        }

        /** The memory factory: a {@link SegmentMemory} over reserved (uncommitted) memory, as jshrew gives guests. */
        Memory newMemory(MemoryLimits limits) {
            if (controlRun()) {
                return new ByteBufferMemory(limits);
            }
            int limit = Math.min(limits.maximumPages(), WASM_MAX_PAGES);
            long backed = (long) Math.min(limit, SegmentMemory.ENGINE_MAX_PAGES) * Memory.PAGE_SIZE;
            LinearMemory linear = PROVIDER.reserve(Math.max(backed, Memory.PAGE_SIZE), 0);
            memories.add(linear);
            return new SegmentMemory(linear.segment(), limits.initialPages(), limit, 0);
        }

        /** The reference interpreter's {@code spectest} module. */
        private ImportValues spectest() {
            if (spectest == null) {
                ImportValues.Builder b = ImportValues.builder();
                b.addFunction(
                        print("print"),
                        print("print_i32", ValType.I32),
                        print("print_i64", ValType.I64),
                        print("print_f32", ValType.F32),
                        print("print_f64", ValType.F64),
                        print("print_i32_f32", ValType.I32, ValType.F32),
                        print("print_f64_f64", ValType.F64, ValType.F64));
                b.addGlobal(
                        new ImportGlobal("spectest", "global_i32", new GlobalInstance(Value.i32(666))),
                        new ImportGlobal("spectest", "global_i64", new GlobalInstance(Value.i64(666))),
                        new ImportGlobal("spectest", "global_f32", new GlobalInstance(Value.fromFloat(666.6f))),
                        new ImportGlobal("spectest", "global_f64", new GlobalInstance(Value.fromDouble(666.6))));
                b.addMemory(new ImportMemory("spectest", "memory", newMemory(new MemoryLimits(1, 2))));
                b.addTable(new ImportTable(
                        "spectest",
                        "table",
                        new TableInstance(new Table(ValType.FuncRef, new TableLimits(10, 20)), Value.REF_NULL_VALUE)));
                spectest = b.build();
            }
            return spectest;
        }

        private static HostFunction print(String name, ValType... params) {
            return new HostFunction(
                    "spectest", name, FunctionType.of(List.of(params), List.of()), (instance, args) -> null);
        }

        private ImportValues imports() {
            ImportValues host = spectest();
            ImportValues.Builder b = ImportValues.builder();
            b.addFunction(host.functions())
                    .addGlobal(host.globals())
                    .addMemory(host.memories())
                    .addTable(host.tables());
            registered.forEach((as, inst) -> {
                var exports = inst.module().exportSection();
                for (int i = 0; i < exports.exportCount(); i++) {
                    Export e = exports.getExport(i);
                    String name = e.name();
                    switch (e.exportType()) {
                        case FUNCTION ->
                            b.addFunction(new ImportFunction(
                                    as,
                                    name,
                                    inst.exportType(name),
                                    (caller, args) -> inst.export(name).apply(args),
                                    inst));
                        case GLOBAL ->
                            b.addGlobal(
                                    new ImportGlobal(as, name, inst.exports().global(name)));
                        case MEMORY ->
                            b.addMemory(
                                    new ImportMemory(as, name, inst.exports().memory(name)));
                        case TABLE ->
                            b.addTable(new ImportTable(as, name, inst.exports().table(name)));
                        default -> {} // tags: not used by the memory tests
                    }
                }
            });
            return b.build();
        }

        /**
         * Parse, compile (in compiler mode) and instantiate; the start function runs, an export {@code _start} does
         * not.
         */
        Instance instantiate(String filename) throws IOException {
            byte[] wasm = Files.readAllBytes(dir.resolve(filename));
            WasmModule module = Parser.parse(wasm);
            return Instance.builder(module)
                    .withImportValues(imports())
                    .withMemoryFactory(this::newMemory)
                    .withMachineFactory(mode.machines(module))
                    .withStart(false)
                    .build();
        }

        void run(Map<String, Object> c) throws Throwable {
            if (closed) {
                throw new IllegalStateException("script already closed");
            }
            String type = (String) c.get("type");
            switch (type) {
                case "module" -> {
                    current = null;
                    Instance inst = instantiate((String) c.get("filename"));
                    current = inst;
                    if (c.get("name") != null) {
                        named.put((String) c.get("name"), inst);
                    }
                }
                case "register" -> {
                    Instance inst = c.get("name") != null ? named.get((String) c.get("name")) : current;
                    assertNotNull(inst, "register: no module " + c.get("name"));
                    registered.put((String) c.get("as"), inst);
                }
                case "action" -> perform(action(c));
                case "assert_return" -> SpecSuite.assertResults(c, perform(action(c)));
                case "assert_trap" -> {
                    Throwable t = expectFailure(() -> perform(action(c)), "a trap");
                    requireTrap(t, (String) c.get("text"));
                }
                case "assert_exhaustion" -> {
                    Throwable t = expectFailure(() -> perform(action(c)), "call stack exhaustion");
                    if (!(t instanceof StackOverflowError) && !(t instanceof ChicoryException)) {
                        fail("expected call stack exhaustion, got " + t, t);
                    }
                }
                case "assert_malformed", "assert_invalid" -> {
                    String excluded = VALIDATOR_EXCLUSIONS.get(c.get("filename"));
                    if (excluded != null) {
                        throw new TestAbortedException("excluded: " + excluded);
                    }
                    if ("text".equals(c.get("module_type"))) {
                        throw new TestAbortedException(
                                "text-format module (" + c.get("filename") + "): the test has no text parser");
                    }
                    Throwable t = expectFailure(
                            () -> instantiate((String) c.get("filename")),
                            "module to be rejected (" + c.get("text") + ")");
                    if (!(t instanceof InvalidException) && !(t instanceof MalformedException)) {
                        fail(
                                "expected the module to be rejected as " + type.substring(7) + " (" + c.get("text")
                                        + "), got " + t,
                                t);
                    }
                }
                case "assert_unlinkable" -> {
                    Throwable t = expectFailure(() -> instantiate((String) c.get("filename")), "link failure");
                    if (!(t instanceof UnlinkableException)) {
                        fail("expected an unlinkable module (" + c.get("text") + "), got " + t, t);
                    }
                }
                case "assert_uninstantiable" -> {
                    Throwable t = expectFailure(() -> instantiate((String) c.get("filename")), "instantiation failure");
                    if (!(t instanceof UninstantiableException) && !(t instanceof ChicoryException ce && isTrap(ce))) {
                        fail("expected instantiation to fail (" + c.get("text") + "), got " + t, t);
                    }
                    requireMessage(t, (String) c.get("text"));
                }
                default -> throw new TestAbortedException("command type " + type + " is not supported by this runner");
            }
        }

        private static Map<String, Object> action(Map<String, Object> c) {
            return SpecSuite.action(c);
        }

        private Instance target(Map<String, Object> action) {
            Instance inst = action.get("module") != null ? named.get((String) action.get("module")) : current;
            assertNotNull(
                    inst,
                    "no module" + (action.get("module") != null ? " " + action.get("module") : "")
                            + " to act on (its instantiation failed?)");
            return inst;
        }

        long[] perform(Map<String, Object> action) {
            Instance inst = target(action);
            String field = (String) action.get("field");
            switch ((String) action.get("type")) {
                case "invoke" -> {
                    long[] values = SpecSuite.arguments(action);
                    try {
                        long[] result = inst.export(field).apply(values);
                        return result == null ? new long[0] : result;
                    } catch (JshrewException e) {
                        if (e.code() == ErrorCode.ENGINE_LIMIT) {
                            throw new Divergence(
                                    "SegmentMemory refuses growth above " + SegmentMemory.ENGINE_MAX_PAGES
                                            + " pages within the guest's limit (ENGINE_LIMIT, by design): "
                                            + e.getMessage(),
                                    e);
                        }
                        throw e;
                    }
                }
                case "get" -> {
                    return new long[] {inst.exports().global(field).getValue()};
                }
                default -> throw new TestAbortedException("action type " + action.get("type") + " is not supported");
            }
        }

        private static Throwable expectFailure(ThrowingRunnable body, String what) {
            try {
                body.run();
            } catch (TestAbortedException e) {
                throw e;
            } catch (Throwable t) {
                return t;
            }
            return fail("expected " + what + ", but it succeeded");
        }

        private static boolean isTrap(ChicoryException e) {
            return !(e instanceof InvalidException)
                    && !(e instanceof MalformedException)
                    && !(e instanceof UnlinkableException);
        }

        /** A trap is a Chicory runtime exception; a memory trap must also say so (SegmentMemory's own message). */
        private static void requireTrap(Throwable t, String text) {
            if (!(t instanceof ChicoryException ce) || !isTrap(ce)) {
                fail("expected a trap (" + text + "), got " + t, t);
            }
            requireMessage(t, text);
        }

        private static void requireMessage(Throwable t, String text) {
            if (text != null
                    && text.startsWith("out of bounds memory access")
                    && !String.valueOf(t.getMessage()).contains("out of bounds memory access")) {
                fail("expected \"" + text + "\", got " + t, t);
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                current = null;
                named.clear();
                registered.clear();
                spectest = null;
                memories.forEach(LinearMemory::close);
                memories.clear();
            }
        }
    }
}
