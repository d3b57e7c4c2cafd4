package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportGlobal;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.tck.SpecSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.TestAbortedException;

/**
 * The official WebAssembly memory spec tests run against the REWRITTEN modules (Chicory interpreter): every module
 * is rewritten with load/store checks, instantiated, grown physically a little past its initial size (so accesses
 * between the virtual and the physical size are exercised), and every assertion must hold. Then each module is
 * reset in place and its commands are replayed: they must give the same results again (a reset instance is a fresh
 * one). The testsuite is not in the repository: {@link SpecSuite} finds the directory converted by
 * {@code tools/spectest.sh} ({@code jshrew.spectest.dir} / {@code JSHREW_SPECTEST_DIR}, see
 * {@code tools/README-spectest.md}), reads its scripts and checks results; without it the test is skipped, visibly.
 *
 * <p>Modules the rewrite refuses (imported memories, tables, mutable globals from {@code spectest}) are counted and
 * their commands skipped. Growth past Chicory's 32767-page cap within the guest's limit traps (the rewrite never
 * shows -1 for an allowed growth) and is counted as a divergence of this engine, not a failure.
 */
class SpecRewriteTest {
    /** Chicory 1.7.5 validator gaps (the same exclusions as engine-chicory's SpecMemoryTest). */
    static final Map<String, String> EXCLUDED = Map.of(
            "data.9.wasm", "Chicory 1.7.5 accepts a data offset reading a defined global",
            "data.10.wasm", "Chicory 1.7.5 accepts a data offset reading a defined global");

    enum Count {
        PASSED,
        REPLAYED,
        REFUSED_MODULES,
        SKIPPED,
        DIVERGENT,
        FAILED
    }

    @TestFactory
    Stream<DynamicTest> officialMemorySpecTestsOnRewrittenModules() {
        var skipped = SpecSuite.skippedWhenAbsent("SpecRewriteTest", "official memory spec tests (rewritten)");
        if (skipped.isPresent()) {
            return Stream.of(skipped.get());
        }
        Path dir = SpecSuite.dir();
        return SpecSuite.present(dir).stream()
                .map(f -> DynamicTest.dynamicTest(f + ".wast", () -> {
                    Script s = new Script(dir, f);
                    s.runAll();
                    System.out.println("SpecRewriteTest " + f + ": " + s.counts
                            + (s.failures.isEmpty() ? "" : " failures: " + s.failures));
                    assertTrue(s.failures.isEmpty(), f + ": " + s.failures);
                    assertTrue(s.counts.getOrDefault(Count.PASSED, 0) > 0 || f.equals("data"), f + ": nothing ran");
                }));
    }

    /** One script: its modules (rewritten), registrations and the spectest host module. */
    static final class Script {
        final Path dir;
        final String file;
        final Map<Count, Integer> counts = new EnumMap<>(Count.class);
        final List<String> failures = new ArrayList<>();
        final Map<String, Instance> named = new HashMap<>();
        final Map<String, Instance> registered = new LinkedHashMap<>();
        Instance current;
        String currentName;
        ResettableModule currentRw;
        /** The commands since the current module was instantiated (replayed after its reset). */
        final List<Map<String, Object>> group = new ArrayList<>();

        Script(Path dir, String file) {
            this.dir = dir;
            this.file = file;
        }

        void count(Count c) {
            counts.merge(c, 1, Integer::sum);
        }

        void runAll() {
            for (Map<String, Object> c : SpecSuite.commands(dir, file)) {
                String where = file + " " + SpecSuite.describe(c);
                try {
                    run(c, false);
                } catch (Skip | TestAbortedException s) {
                    count(Count.SKIPPED);
                } catch (Divergent d) {
                    count(Count.DIVERGENT);
                } catch (Throwable t) {
                    count(Count.FAILED);
                    failures.add(where + ": " + t);
                }
            }
            replay();
        }

        static final class Skip extends RuntimeException {
            Skip(String m) {
                super(m);
            }
        }

        static final class Divergent extends RuntimeException {
            Divergent(String m, Throwable cause) {
                super(m, cause);
            }
        }

        /** Resets the current module in place and replays its commands: they must pass again. */
        void replay() {
            if (current != null && currentRw != null && !group.isEmpty()) {
                current.export(ResettableModule.RESET_EXPORT).apply();
                assertEquals(currentRw.initialPages(), (int)
                        current.exports().global(ResettableModule.PAGES_EXPORT).getValue());
                for (Map<String, Object> c : group) {
                    try {
                        run(c, true);
                        count(Count.REPLAYED);
                    } catch (Skip | TestAbortedException | Divergent s) {
                        // counted on the first run
                    } catch (Throwable t) {
                        count(Count.FAILED);
                        failures.add(file + " line " + c.get("line") + " after reset: " + t);
                    }
                }
            }
            group.clear();
        }

        ImportValues imports() {
            ImportValues.Builder b = ImportValues.builder();
            for (String name : List.of(
                    "print", "print_i32", "print_i64", "print_f32", "print_f64", "print_i32_f32", "print_f64_f64")) {
                List<ValType> params = switch (name) {
                    case "print_i32" -> List.of(ValType.I32);
                    case "print_i64" -> List.of(ValType.I64);
                    case "print_f32" -> List.of(ValType.F32);
                    case "print_f64" -> List.of(ValType.F64);
                    case "print_i32_f32" -> List.of(ValType.I32, ValType.F32);
                    case "print_f64_f64" -> List.of(ValType.F64, ValType.F64);
                    default -> List.of();
                };
                b.addFunction(new HostFunction("spectest", name, FunctionType.of(params, List.of()), (i, a) -> null));
            }
            b.addGlobal(
                    new ImportGlobal("spectest", "global_i32", new GlobalInstance(Value.i32(666))),
                    new ImportGlobal("spectest", "global_i64", new GlobalInstance(Value.i64(666))),
                    new ImportGlobal("spectest", "global_f32", new GlobalInstance(Value.fromFloat(666.6f))),
                    new ImportGlobal("spectest", "global_f64", new GlobalInstance(Value.fromDouble(666.6))));
            b.addFunction(new HostFunction(
                    ResettableModule.HOOK_MODULE,
                    ResettableModule.GROW_HOOK,
                    FunctionType.of(List.of(ValType.I32, ValType.I32), List.of()),
                    (i, a) -> null));
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
                        default -> {} // memories/tables: importing modules are refused by the rewrite anyway
                    }
                }
            });
            return b.build();
        }

        /** Rewrites and instantiates; null with REFUSED counted when the rewrite refuses the module. */
        Instance instantiate(String filename, boolean growPhysical) throws IOException {
            byte[] wasm = Files.readAllBytes(dir.resolve(filename));
            ResettableModule rw;
            try {
                rw = ResettableModule.rewrite(filename, wasm, new ResettableModule.Options(65536, true));
            } catch (ResettableModule.Unsupported e) {
                throw new Refused(e);
            }
            WasmModule module = Parser.parse(rw.bytes());
            Instance inst = Instance.builder(module)
                    .withImportValues(imports())
                    .withMachineFactory(InterpreterMachine::new)
                    .withMemoryFactory(ByteArrayMemory::new)
                    .withStart(false)
                    .build();
            if (growPhysical && inst.memory() != null) {
                int physical = inst.memory().pages();
                int target = Math.min(rw.limitPages(), Math.min(physical + 3, Memory.RUNTIME_MAX_PAGES));
                if (target > physical) {
                    inst.export(ResettableModule.GROW_PHYSICAL_EXPORT).apply(target - physical);
                }
            }
            lastRw = rw;
            return inst;
        }

        private ResettableModule lastRw;

        static final class Refused extends RuntimeException {
            Refused(Throwable cause) {
                super(cause.getMessage(), cause);
            }
        }

        @SuppressWarnings("unchecked")
        void run(Map<String, Object> c, boolean replaying) throws Throwable {
            String type = (String) c.get("type");
            switch (type) {
                case "module" -> {
                    replay();
                    current = null;
                    currentRw = null;
                    currentName = (String) c.get("name");
                    try {
                        current = instantiate((String) c.get("filename"), true);
                        currentRw = lastRw;
                        if (currentName != null) {
                            named.put(currentName, current);
                        }
                        count(Count.PASSED);
                    } catch (Refused r) {
                        count(Count.REFUSED_MODULES);
                    }
                }
                case "register" -> {
                    Instance inst = c.get("name") != null ? named.get((String) c.get("name")) : current;
                    if (inst == null) {
                        throw new Skip("register of a refused module");
                    }
                    registered.put((String) c.get("as"), inst);
                }
                case "action", "assert_return", "assert_trap", "assert_exhaustion" -> {
                    Map<String, Object> action = (Map<String, Object>) c.get("action");
                    Object module = action.get("module");
                    boolean onCurrent = module == null || module.equals(currentName);
                    if (replaying && !onCurrent) {
                        throw new Skip("another module");
                    }
                    Instance inst = module == null ? current : named.get((String) module);
                    if (inst == null) {
                        throw new Skip("the module was refused");
                    }
                    if (!replaying && onCurrent) {
                        group.add(c);
                    }
                    switch (type) {
                        case "action" -> perform(inst, action);
                        case "assert_return" -> SpecSuite.assertResults(c, perform(inst, action));
                        case "assert_trap" -> {
                            Throwable t = failure(() -> perform(inst, action));
                            if (!(t instanceof ChicoryException)
                                    || t instanceof InvalidException
                                    || t instanceof MalformedException) {
                                throw new AssertionError("expected a trap (" + c.get("text") + "), got " + t, t);
                            }
                            String text = (String) c.get("text");
                            if (text.startsWith("out of bounds memory access")
                                    && !String.valueOf(t.getMessage()).contains(text)) {
                                throw new AssertionError("expected \"" + text + "\", got " + t, t);
                            }
                        }
                        default -> failure(() -> perform(inst, action));
                    }
                    if (!replaying) {
                        count(Count.PASSED);
                    }
                }
                case "assert_invalid", "assert_malformed" -> {
                    if ("text".equals(c.get("module_type"))) {
                        throw new Skip("text module");
                    }
                    if (EXCLUDED.containsKey(c.get("filename"))) {
                        throw new Skip(EXCLUDED.get(c.get("filename")));
                    }
                    Throwable t = failure(() -> instantiate((String) c.get("filename"), false));
                    boolean rejected = t instanceof InvalidException
                            || t instanceof MalformedException
                            || t instanceof Refused
                            || t instanceof JshrewException j && j.code() == ErrorCode.MODULE_INVALID;
                    if (!rejected) {
                        throw new AssertionError(
                                "expected the module to be rejected (" + c.get("text") + "), got " + t, t);
                    }
                    count(Count.PASSED);
                }
                case "assert_unlinkable" -> {
                    Throwable t = failure(() -> instantiate((String) c.get("filename"), false));
                    if (t instanceof Refused) {
                        count(Count.REFUSED_MODULES);
                    } else if (!(t instanceof UnlinkableException)) {
                        throw new AssertionError("expected unlinkable, got " + t, t);
                    } else {
                        count(Count.PASSED);
                    }
                }
                case "assert_uninstantiable" -> {
                    Throwable t = failure(() -> instantiate((String) c.get("filename"), false));
                    if (t instanceof Refused) {
                        count(Count.REFUSED_MODULES);
                    } else if (!(t instanceof UninstantiableException) && !(t instanceof ChicoryException)) {
                        throw new AssertionError("expected instantiation to fail, got " + t, t);
                    } else {
                        count(Count.PASSED);
                    }
                }
                default -> throw new Skip("command " + type);
            }
        }

        interface Body {
            void run() throws Throwable;
        }

        private static Throwable failure(Body body) {
            try {
                body.run();
            } catch (Skip | TestAbortedException | Divergent s) {
                throw s;
            } catch (Throwable t) {
                return t;
            }
            throw new AssertionError("expected a failure, but it succeeded");
        }

        long[] perform(Instance inst, Map<String, Object> action) {
            String field = (String) action.get("field");
            if ("get".equals(action.get("type"))) {
                return new long[] {inst.exports().global(field).getValue()};
            }
            long[] values = SpecSuite.arguments(action);
            try {
                long[] r = inst.export(field).apply(values);
                return r == null ? new long[0] : r;
            } catch (ChicoryException e) {
                // a growth within the limit past what Chicory can address: the rewrite traps rather than return -1
                if (String.valueOf(e.getMessage()).contains("unreachable")
                        && inst.memory().pages() <= Memory.RUNTIME_MAX_PAGES
                        && field.contains("grow")) {
                    throw new Divergent("growth beyond Chicory's " + Memory.RUNTIME_MAX_PAGES + " pages", e);
                }
                throw e;
            }
        }
    }
}
