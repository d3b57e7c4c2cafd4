package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportGlobal;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.NameCustomSection;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import dev.jshrew.engine.toolkit.wasm.GuestRunner.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code features.wat} (test resources) uses every instruction class the rewrite decodes, with function imports
 * before the defined functions. Its "run" export digests what it observes, then dirties memory, globals, both
 * tables, the passive segments and the memory size: the reset instance must produce the fresh instance's digest on
 * every call.
 */
class FeatureModuleTest {
    static byte[] resource(String name) {
        try (InputStream in = FeatureModuleTest.class.getResourceAsStream("/rewrite/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource rewrite/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final byte[] FEATURES = resource("features.wasm");

    static Instance instantiate(byte[] wasm, Engine engine, List<int[]> hooks) {
        WasmModule module = GuestRunner.parse(wasm);
        List<HostFunction> fns = new ArrayList<>();
        fns.add(new HostFunction(
                "env", "__host_len", FunctionType.of(List.of(), List.of(ValType.I32)), (i, a) -> new long[] {0}));
        fns.add(new HostFunction("env", "__log", FunctionType.of(List.of(ValType.I32), List.of()), (i, a) -> null));
        if (hooks != null) {
            fns.add(new HostFunction(
                    "jshrew", "grow", FunctionType.of(List.of(ValType.I32, ValType.I32), List.of()), (i, a) -> {
                        hooks.add(new int[] {(int) a[0], (int) a[1]});
                        return null;
                    }));
        }
        ImportValues imports = ImportValues.builder()
                .withFunctions(new ArrayList<>(fns))
                .addGlobal(new ImportGlobal("env", "base", new GlobalInstance(Value.i32(0x800))))
                .build();
        return Instance.builder(module)
                .withImportValues(imports)
                .withMachineFactory(GuestRunner.machines(module, engine))
                .withMemoryFactory(ByteArrayMemory::new)
                .withStart(false)
                .build();
    }

    @ParameterizedTest
    @CsvSource({"INTERPRETER,true", "INTERPRETER,false", "COMPILER,true", "COMPILER,false"})
    void resetInstanceComputesTheFreshDigestEveryTime(Engine engine, boolean check) {
        ResettableModule rw =
                ResettableModule.rewrite("features.wasm", FEATURES, new ResettableModule.Options(65536, check));
        assertEquals(8, rw.limitPages());
        assertTrue(rw.hasStartFunction());
        long expected = instantiate(FEATURES, engine, null).export("run").apply()[0];

        Instance fresh = instantiate(FEATURES, engine, null);
        assertEquals(expected, fresh.export("run").apply()[0]);
        assertEquals(
                "memory-out-of-bounds",
                GuestRunner.classify(assertThrows(
                        RuntimeException.class, () -> fresh.export("run").apply())),
                "a second run without reset sees the dirtied state (its passive segment is dropped)");
        assertThrows(
                RuntimeException.class, () -> fresh.export("init_passive").apply(), "dropped passive data segment");
        assertThrows(
                RuntimeException.class, () -> fresh.export("init_elem").apply(), "dropped passive element segment");

        List<int[]> hooks = new ArrayList<>();
        Instance reset = instantiate(rw.bytes(), engine, hooks);
        reset.export(ResettableModule.GROW_PHYSICAL_EXPORT)
                .apply(rw.limitPages() - reset.memory().pages());
        assertEquals(8, reset.memory().pages());
        for (int i = 0; i < 5; i++) {
            assertEquals(expected, reset.export("run").apply()[0], "run #" + i);
            assertEquals(3, reset.export("size").apply()[0]);
            assertEquals(42, reset.memory().readInt(0x10000));
            String oob = GuestRunner.classify(assertThrows(
                    RuntimeException.class, () -> reset.export("init_passive").apply()));
            assertEquals(
                    GuestRunner.classify(assertThrows(
                            RuntimeException.class,
                            () -> fresh.export("init_passive").apply())),
                    oob);
            assertEquals("memory-out-of-bounds", oob);
            String table = GuestRunner.classify(assertThrows(
                    RuntimeException.class, () -> reset.export("init_elem").apply()));
            assertEquals("table-out-of-bounds", table);
            assertEquals(
                    3,
                    reset.exports().global(ResettableModule.HIGH_WATER_EXPORT).getValue());
            reset.export(ResettableModule.RESET_EXPORT).apply();
            assertEquals(1, reset.export("size").apply()[0]);
            assertEquals(0, reset.memory().readInt(0x10000), "the grown page was zeroed");
        }
        assertEquals(5, hooks.size(), "one hook call per run (memory.grow 2), none from the resets");
        hooks.forEach(h -> assertEquals("1->3", h[0] + "->" + h[1]));
    }

    @Test
    void nameSectionIsRenumbered() {
        ResettableModule rw =
                ResettableModule.rewrite("features.wasm", FEATURES, new ResettableModule.Options(8, false));
        NameCustomSection before = GuestRunner.parse(FEATURES).nameSection();
        NameCustomSection after = GuestRunner.parse(rw.bytes()).nameSection();
        int imports = 2;
        for (int f = 0; f < 17; f++) {
            assertEquals(before.nameOfFunction(f), after.nameOfFunction(f < imports ? f : f + 1), "function " + f);
        }
        assertEquals("jshrew.grow", after.nameOfFunction(imports));
        assertEquals("eleven", after.nameOfFunction(4));
        assertEquals("acc", after.nameOfLocal(8, 0), "local names follow their function");
        int added = 2 + 1 + 15; // imports + hook + defined functions
        assertEquals("__jshrew_vgrow", after.nameOfFunction(added));
        assertEquals(ResettableModule.RESET_EXPORT, after.nameOfFunction(added + 5));
    }
}
