package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ModuleFacts}: what engines read from a module's interface, and the patches they apply. */
class ModuleFactsTest {
    private static final FunctionSignature VOID = FunctionSignature.of(List.of(), List.of());
    private static final FunctionSignature I32_TO_I32 =
            FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));
    private static final FunctionSignature TO_I32 = FunctionSignature.of(List.of(), List.of(ValueType.I32));

    private static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

    private static ModuleFacts read(byte[] wasm) {
        return ModuleFacts.read("engine test, module m.wasm", wasm);
    }

    private static JshrewException unreadable(byte[] wasm) {
        JshrewException e = assertThrows(JshrewException.class, () -> read(wasm));
        assertEquals(ErrorCode.MODULE_INVALID, e.code());
        assertTrue(e.getMessage().startsWith("engine test, module m.wasm: cannot read the module: "), e.getMessage());
        return e;
    }

    /** Appends a section to {@code out}. */
    private static WasmWriter section(WasmWriter out, int id, WasmWriter content) {
        return out.u8(id).sized(content);
    }

    /**
     * {@code env.hook: (i32) -> i32} imported; memory of {@code initial} pages (maximum {@code max} when not
     * negative) exported as "memory"; "run" {@code (i32) -> i32} calls the hook, "size" {@code () -> i32} is
     * {@code memory.size}.
     */
    private static byte[] hostCalls(int initial, int max) {
        WasmWriter out = new WasmWriter().bytes(HEADER);
        section(
                out,
                1,
                new WasmWriter()
                        .u32(2)
                        .u8(0x60)
                        .u32(1)
                        .u8(0x7F)
                        .u32(1)
                        .u8(0x7F)
                        .u8(0x60)
                        .u32(0)
                        .u32(1)
                        .u8(0x7F));
        section(
                out,
                2,
                new WasmWriter().u32(1).name("env").name("hook").u8(0x00).u32(0));
        section(out, 3, new WasmWriter().u32(2).u32(0).u32(1));
        WasmWriter memory = new WasmWriter().u32(1);
        if (max < 0) {
            memory.u8(0x00).u32(initial);
        } else {
            memory.u8(0x01).u32(initial).u32(max);
        }
        section(out, 5, memory);
        section(
                out,
                7,
                new WasmWriter()
                        .u32(3)
                        .name("memory")
                        .u8(2)
                        .u32(0)
                        .name("run")
                        .u8(0)
                        .u32(1)
                        .name("size")
                        .u8(0)
                        .u32(2));
        byte[] run = {0x00, 0x20, 0x00, 0x10, 0x00, 0x0B};
        byte[] size = {0x00, 0x3F, 0x00, 0x0B};
        section(
                out,
                10,
                new WasmWriter()
                        .u32(2)
                        .u32(run.length)
                        .bytes(run)
                        .u32(size.length)
                        .bytes(size));
        return out.toByteArray();
    }

    /** A start function {@code () -> ()} and a memory of one page, with no export section at all. */
    private static byte[] startWithoutExports() {
        WasmWriter out = new WasmWriter().bytes(HEADER);
        section(out, 1, new WasmWriter().u32(1).u8(0x60).u32(0).u32(0));
        section(out, 3, new WasmWriter().u32(1).u32(0));
        section(out, 5, new WasmWriter().u32(1).u8(0x00).u32(1));
        section(out, 8, new WasmWriter().u32(0));
        byte[] body = {0x00, 0x0B};
        section(out, 10, new WasmWriter().u32(1).u32(body.length).bytes(body));
        WasmWriter custom = new WasmWriter().name("after-code").bytes(new byte[] {1, 2, 3});
        section(out, 0, custom);
        return out.toByteArray();
    }

    @Test
    void readsImportsExportsAndMemory() {
        ModuleFacts facts = read(hostCalls(2, -1));
        assertEquals(
                List.of(new ImportSpec("env", "hook", ImportSpec.Kind.FUNCTION, Optional.of(I32_TO_I32))),
                facts.imports());
        assertEquals(Optional.of(I32_TO_I32), facts.exportedFunction("run"));
        assertEquals(Optional.of(TO_I32), facts.exportedFunction("size"));
        assertEquals(Optional.empty(), facts.exportedFunction("memory"), "a memory export is no function");
        assertEquals(Optional.empty(), facts.exportedFunction("hook"), "imported, not exported");
        assertEquals(Optional.of("memory"), facts.memoryExportName());
        assertEquals(Optional.of(new MemoryLimits(2, OptionalInt.empty())), facts.memory());
        assertFalse(facts.memoryImported());
        assertFalse(facts.hasStart());
    }

    @Test
    void withMemoryMaximumLowersTheMaximumAndKeepsTheRest() {
        byte[] wasm = hostCalls(2, -1);
        ModuleFacts facts = read(wasm);
        byte[] capped = facts.withMemoryMaximum(7);
        GuestRunner.parse(capped);
        ModuleFacts patched = read(capped);
        assertEquals(Optional.of(new MemoryLimits(2, OptionalInt.of(7))), patched.memory());
        assertEquals(facts.imports(), patched.imports());
        assertEquals(facts.exportedFunction("run"), patched.exportedFunction("run"));
        assertEquals(facts.memoryExportName(), patched.memoryExportName());
        // a declared maximum below the cap stays; one above it is lowered
        assertEquals(
                Optional.of(new MemoryLimits(2, OptionalInt.of(5))),
                read(read(hostCalls(2, 5)).withMemoryMaximum(7)).memory());
        assertEquals(
                Optional.of(new MemoryLimits(2, OptionalInt.of(7))),
                read(read(hostCalls(2, 9)).withMemoryMaximum(7)).memory());
        assertThrows(IllegalArgumentException.class, () -> facts.withMemoryMaximum(65537));
    }

    @Test
    void aMaximumOfFourGibReadsAsNone() {
        assertEquals(
                Optional.of(new MemoryLimits(1, OptionalInt.empty())),
                read(hostCalls(1, 65536)).memory());
        assertEquals(
                Optional.of(new MemoryLimits(1, OptionalInt.of(65535))),
                read(hostCalls(1, 65535)).memory());
    }

    @Test
    void featureModule() {
        byte[] wasm = FeatureModuleTest.resource("features.wasm");
        ModuleFacts facts = read(wasm);
        assertEquals(
                List.of(
                        new ImportSpec("env", "__host_len", ImportSpec.Kind.FUNCTION, Optional.of(TO_I32)),
                        new ImportSpec(
                                "env",
                                "__log",
                                ImportSpec.Kind.FUNCTION,
                                Optional.of(FunctionSignature.of(List.of(ValueType.I32), List.of()))),
                        new ImportSpec("env", "base", ImportSpec.Kind.GLOBAL, Optional.empty())),
                facts.imports());
        assertEquals(
                Optional.of(FunctionSignature.of(List.of(), List.of(ValueType.I64))), facts.exportedFunction("run"));
        assertEquals(Optional.of(new MemoryLimits(1, OptionalInt.of(8))), facts.memory());
        assertEquals(Optional.of("memory"), facts.memoryExportName());
        assertTrue(facts.hasStart());
    }

    @Test
    void hoistsTheStartFunctionAndExportsTheMemory() {
        byte[] wasm = FeatureModuleTest.resource("features.wasm");
        ModuleFacts facts = read(wasm);
        ModuleFacts.Patch patch = ModuleFacts.Patch.NONE
                .withStartExportedAs("start!")
                .withMemoryExportedAs("mem!")
                .withMemoryMaximum(4);
        byte[] patched = facts.patched(patch);
        GuestRunner.parse(patched);
        ModuleFacts again = read(patched);
        assertFalse(again.hasStart());
        assertEquals(Optional.of(VOID), again.exportedFunction("start!"));
        assertEquals(facts.exportedFunction("run"), again.exportedFunction("run"));
        assertEquals(Optional.of(new MemoryLimits(1, OptionalInt.of(4))), again.memory());
        assertEquals(Optional.of("memory"), again.memoryExportName(), "the module's own export comes first");
        assertEquals(facts.imports(), again.imports());
        assertArrayEquals(patched, again.patched(patch), "patching twice changes nothing more");
        // the rewrite still reads the patched module, custom sections included
        assertEquals(
                1,
                ResettableModule.rewrite("patched", patched, new ResettableModule.Options(65536, false))
                        .initialPages());
    }

    @Test
    void addsAnExportSectionWhereThereIsNone() {
        byte[] wasm = startWithoutExports();
        ModuleFacts facts = read(wasm);
        assertTrue(facts.hasStart());
        assertEquals(Optional.empty(), facts.memoryExportName());
        byte[] patched =
                facts.patched(ModuleFacts.Patch.NONE.withStartExportedAs("s").withMemoryExportedAs("m"));
        GuestRunner.parse(patched);
        ParsedModule m = ParsedModule.parse(patched); // strict about section order
        assertEquals(
                List.of(
                        ParsedModule.SEC_TYPE,
                        ParsedModule.SEC_FUNCTION,
                        ParsedModule.SEC_MEMORY,
                        ParsedModule.SEC_EXPORT,
                        ParsedModule.SEC_CODE,
                        ParsedModule.SEC_CUSTOM),
                m.sections.stream().map(ParsedModule.Section::id).toList());
        ModuleFacts again = read(patched);
        assertFalse(again.hasStart());
        assertEquals(Optional.of(VOID), again.exportedFunction("s"));
        assertEquals(Optional.of("m"), again.memoryExportName());
        // nothing to do: the same bytes
        assertArrayEquals(wasm, facts.patched(ModuleFacts.Patch.NONE));
    }

    @Test
    void exportNameCollisionsAreRefused() {
        ModuleFacts features = read(FeatureModuleTest.resource("features.wasm"));
        IllegalArgumentException start = assertThrows(
                IllegalArgumentException.class,
                () -> features.patched(ModuleFacts.Patch.NONE.withStartExportedAs("run")));
        assertEquals("the module has a start function and already exports the name run", start.getMessage());
        IllegalArgumentException memory = assertThrows(
                IllegalArgumentException.class,
                () -> features.patched(ModuleFacts.Patch.NONE.withMemoryExportedAs("run")));
        assertEquals("the module exports the name run as something else than a memory", memory.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> ModuleFacts.Patch.NONE.withStartExportedAs("x").withMemoryExportedAs("x"));
        // without a start function there is nothing to export, so no collision
        ModuleFacts noStart = read(hostCalls(1, -1));
        assertFalse(noStart.hasStart());
        assertEquals(
                Optional.of(I32_TO_I32),
                read(noStart.patched(ModuleFacts.Patch.NONE.withStartExportedAs("run")))
                        .exportedFunction("run"));
    }

    @Test
    void aModuleWithoutMemoryIsLeftAlone() {
        WasmWriter out = new WasmWriter().bytes(HEADER);
        section(out, 1, new WasmWriter().u32(1).u8(0x60).u32(0).u32(0));
        section(out, 3, new WasmWriter().u32(1).u32(0));
        section(out, 7, new WasmWriter().u32(1).name("f").u8(0).u32(0));
        section(out, 10, new WasmWriter().u32(1).u32(2).u8(0x00).u8(0x0B));
        byte[] wasm = out.toByteArray();
        ModuleFacts facts = read(wasm);
        assertEquals(Optional.empty(), facts.memory());
        assertEquals(Optional.empty(), facts.memoryExportName());
        assertArrayEquals(wasm, facts.withMemoryMaximum(3));
        assertArrayEquals(wasm, facts.patched(ModuleFacts.Patch.NONE.withMemoryExportedAs("m")));
    }

    /** What the rewrite refuses for the in-place reset's sake, engines still read. */
    @Test
    void readsWhatTheRewriteRefuses() {
        ModuleFacts imported = read(FeatureModuleTest.resource("refuse-imported-memory.wasm"));
        assertTrue(imported.memoryImported());
        assertEquals(Optional.empty(), imported.memory());
        assertEquals(
                List.of(new ImportSpec("env", "memory", ImportSpec.Kind.MEMORY, Optional.empty())), imported.imports());

        assertEquals(
                Optional.of(VOID),
                read(FeatureModuleTest.resource("refuse-simd.wasm")).exportedFunction("f"));
        assertEquals(
                Optional.of(VOID),
                read(FeatureModuleTest.resource("refuse-exceptions.wasm")).exportedFunction("f"));
        assertEquals(
                Optional.of(VOID),
                read(FeatureModuleTest.resource("refuse-table-grow.wasm")).exportedFunction("f"));

        // a shared memory is refused as invalid, as on every engine (issue 12: engines treat modules the same way)
        byte[] shared = FeatureModuleTest.resource("refuse-shared-memory.wasm");
        JshrewException refused = assertThrows(JshrewException.class, () -> read(shared));
        assertEquals(ErrorCode.MODULE_INVALID, refused.code());

        // SIMD in a signature, imported table, global and tag
        WasmWriter out = new WasmWriter().bytes(HEADER);
        section(
                out,
                1,
                new WasmWriter()
                        .u32(2)
                        .u8(0x60)
                        .u32(1)
                        .u8(0x7B)
                        .u32(0)
                        .u8(0x60)
                        .u32(0)
                        .u32(0));
        section(
                out,
                2,
                new WasmWriter()
                        .u32(4)
                        .name("env")
                        .name("v")
                        .u8(0x00)
                        .u32(0)
                        .name("env")
                        .name("t")
                        .u8(0x01)
                        .u8(0x70)
                        .u8(0x00)
                        .u32(1)
                        .name("env")
                        .name("g")
                        .u8(0x03)
                        .u8(0x7F)
                        .u8(0x01)
                        .name("env")
                        .name("e")
                        .u8(0x04)
                        .u8(0x00)
                        .u32(1));
        section(out, 7, new WasmWriter().u32(1).name("v").u8(0).u32(0));
        ModuleFacts facts = read(out.toByteArray());
        FunctionSignature v128 = FunctionSignature.of(List.of(ValueType.V128), List.of());
        assertEquals(
                List.of(
                        new ImportSpec("env", "v", ImportSpec.Kind.FUNCTION, Optional.of(v128)),
                        new ImportSpec("env", "t", ImportSpec.Kind.TABLE, Optional.empty()),
                        new ImportSpec("env", "g", ImportSpec.Kind.GLOBAL, Optional.empty()),
                        new ImportSpec("env", "e", ImportSpec.Kind.TAG, Optional.empty())),
                facts.imports());
        assertEquals(Optional.of(v128), facts.exportedFunction("v"), "a re-exported import");
    }

    @ParameterizedTest
    @ValueSource(strings = {"refuse-multi-memory.wasm", "refuse-memory64.wasm"})
    void whatTheSpiCannotDescribeIsUnreadable(String file) {
        unreadable(FeatureModuleTest.resource(file));
    }

    @Test
    void malformedBytesAreModuleInvalidNamingTheContext() {
        JshrewException junk = unreadable("(module)".getBytes(StandardCharsets.US_ASCII));
        assertTrue(junk.getMessage().contains("bad magic"), junk.getMessage());
        unreadable(Arrays.copyOf(hostCalls(2, -1), 30));
        unreadable(new byte[0]);
        // a function import naming a type that does not exist
        WasmWriter out = new WasmWriter().bytes(HEADER);
        section(out, 2, new WasmWriter().u32(1).name("env").name("f").u8(0x00).u32(0));
        assertTrue(unreadable(out.toByteArray()).getMessage().contains("type index 0 out of range"));
        // a GC type (a struct with no fields)
        WasmWriter gc = new WasmWriter().bytes(HEADER);
        section(gc, 1, new WasmWriter().u32(1).u8(0x5F).u32(0));
        assertTrue(unreadable(gc.toByteArray()).getMessage().contains("expected a function type"));
        // a value type the SPI has no name for (a typed reference)
        WasmWriter typed = new WasmWriter().bytes(HEADER);
        section(
                typed,
                1,
                new WasmWriter().u32(1).u8(0x60).u32(1).u8(0x64).u8(0x70).u32(0));
        assertTrue(unreadable(typed.toByteArray()).getMessage().contains("unsupported value type 0x64"));
        // a component
        unreadable(new byte[] {0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00});
        // an export of a function that does not exist
        WasmWriter export = new WasmWriter().bytes(HEADER);
        section(export, 7, new WasmWriter().u32(1).name("f").u8(0).u32(0));
        assertTrue(unreadable(export.toByteArray()).getMessage().contains("out of range"));
    }

    @Test
    void theInputIsCopied() {
        byte[] wasm = hostCalls(2, -1);
        ModuleFacts facts = read(wasm);
        byte[] before = facts.withMemoryMaximum(7);
        Arrays.fill(wasm, (byte) 0);
        assertArrayEquals(before, facts.withMemoryMaximum(7));
    }
}
