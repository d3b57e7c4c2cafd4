package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.engine.toolkit.wasm.GuestRunner.Engine;
import dev.jshrew.engine.toolkit.wasm.RewriteFixtures.Block;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link NanCanonicalizer}: the canonicalised guests run on Chicory (both machines) and give the canonical NaN bits
 * where the originals give the CPU's and the payloads; everything bit-exact stays bit-exact; the result validates
 * (Chicory validates every module it parses) and composes with the reset rewrite; modules without NaN-producing
 * instructions come back unchanged; what cannot be decoded is refused naming module and function.
 */
class NanCanonicalizerTest {
    static final int C32 = NanCanonicalizer.CANONICAL_F32;
    static final long C64 = NanCanonicalizer.CANONICAL_F64;
    private static final byte[] NAN = RewriteFixtures.guest("wat/nan.wasm");

    /** Little-endian values, as guests/wat/nan.wat writes them: Integer for 4 bytes, Long for 8. */
    static byte[] le(Object... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Object v : values) {
            if (v instanceof Integer i) {
                b.putInt(i);
            } else {
                b.putLong((Long) v);
            }
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** Key "nan" of nan.wat with canonicalisation (see the comments there, same order). */
    static byte[] expectedNan() {
        Object[] v = new Object[32 + 28];
        int i = 0;
        for (int k = 0; k < 20; k++) { // the 20 single operations
            v[i++] = C32;
        }
        v[i++] = C32; // pnan*1.5+1
        v[i++] = C32; // demote(nnan64*1.5)
        v[i++] = C32; // through a local
        v[i++] = C32; // through a global
        v[i++] = C32; // through a store
        v[i++] = C32; // through select
        v[i++] = 0xFFC0_0000; // neg(0/0): the sign of a canonical NaN flipped
        v[i++] = C32; // abs(inf-inf)
        v[i++] = 0x3F80_0000; // copysign(1, sqrt(-1)) = +1: the canonical NaN is positive
        v[i++] = 0; // 0/0 == pnan
        v[i++] = 1; // 1 != sqrt(-1)
        v[i++] = 0; // i32.trunc_sat_f32_s(inf*0)
        for (int k = 0; k < 20; k++) {
            v[i++] = C64;
        }
        v[i++] = C64; // pnan*1.5+1
        v[i++] = C64; // promote(0/0)
        v[i++] = C64; // local
        v[i++] = C64; // store
        v[i++] = 0xFFF8_0000_0000_0000L; // neg(0/0)
        v[i++] = 0x3FF0_0000_0000_0000L; // copysign(1, sqrt(-1))
        v[i++] = 0; // 0/0 < 1
        v[i++] = 0L; // i64.trunc_sat_f64_u(sqrt(-1))
        return le(java.util.Arrays.copyOf(v, i));
    }

    /** Key "exact" of nan.wat: the same on every engine, with or without canonicalisation. */
    static byte[] expectedExact() {
        return le(
                0x4070_0000,
                0x8000_0000,
                0x8000_0000,
                0x8000_0000,
                0x0000_0000,
                0x8000_0000,
                0x8000_0000,
                0x8000_0000,
                0x8000_0000,
                0x4000_0000,
                0xBF80_0000,
                0x7F80_0000,
                0xFF80_0000,
                0x3FC0_0000,
                0x7FC5_4321,
                0xFFC1_2345,
                0xFFC1_2345,
                0x7FC5_4321,
                0xFFC5_4321,
                0x7FC1_2345,
                0xFFC5_4321,
                0x7FC1_2345,
                0xFFC5_4321,
                0xFFC5_4321,
                0x400E_0000_0000_0000L,
                0x8000_0000_0000_0000L,
                0x8000_0000_0000_0000L,
                0x8000_0000_0000_0000L,
                0L,
                0x8000_0000_0000_0000L,
                0x8000_0000_0000_0000L,
                0x8000_0000_0000_0000L,
                0x8000_0000_0000_0000L,
                0x4000_0000_0000_0000L,
                0xBFF0_0000_0000_0000L,
                0x7FF0_0000_0000_0000L,
                0xFFF0_0000_0000_0000L,
                0x4002_0000_0000_0000L,
                0x7FF8_0000_8765_4321L,
                0xFFF8_0000_1234_5678L,
                0xFFF8_0000_1234_5678L,
                0x7FF8_0000_8765_4321L,
                0xFFF8_0000_8765_4321L,
                0x7FF8_0000_1234_5678L,
                0xFFF8_0000_8765_4321L,
                0x7FF8_0000_1234_5678L);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String hex(String s) {
        return hex(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Asserts a block of nan.wat flushed "nan" and "exact" with the given values. */
    private static void assertFlushed(GuestRunner.Outcome o, byte[] nan, byte[] exact) {
        assertEquals("ok", o.result(), o.toString());
        assertEquals(List.of(hex("nan"), hex(nan), hex("exact"), hex(exact)), o.flushed());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void canonicalisedGuestFlushesCanonicalNans(Engine engine) {
        byte[] canonical = NanCanonicalizer.canonicalize("nan.wasm", NAN);
        try (GuestRunner.Fresh fresh = new GuestRunner.Fresh(canonical, engine, -1)) {
            assertFlushed(fresh.run(0, new byte[80]), expectedNan(), expectedExact());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void withoutItChicoryGivesOtherNansButTheSameExactResults(Engine engine) {
        try (GuestRunner.Fresh fresh = new GuestRunner.Fresh(NAN, engine, -1)) {
            GuestRunner.Outcome o = fresh.run(0, new byte[80]);
            assertEquals("ok", o.result());
            assertNotEquals(hex(expectedNan()), o.flushed().get(1), "payloads propagate (and x86 makes 0xffc00000)");
            byte[] raw = HexFormat.of().parseHex(o.flushed().get(1));
            int nan32 = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            assertTrue(Float.isNaN(Float.intBitsToFloat(nan32)), "0/0 is some NaN");
            assertEquals(hex(expectedExact()), o.flushed().get(3));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void composesWithTheResetRewrite(Engine engine) {
        byte[] canonical = NanCanonicalizer.canonicalize("nan.wasm", NAN);
        List<Block> blocks =
                List.of(new Block(0, new byte[80]), new Block(1, new byte[80]), new Block(2, new byte[80]));
        List<GuestRunner.Outcome> outcomes = RewriteFixtures.assertResetEqualsFresh(
                "nan.wasm", canonical, new ResettableModule.Options(16, true), engine, blocks);
        outcomes.forEach(o -> assertFlushed(o, expectedNan(), expectedExact()));
    }

    @Test
    void countsSitesAndSkipsChecksWhoseNextInstructionIgnoresThePayload() {
        NanCanonicalizer.Result r = NanCanonicalizer.run(NAN);
        assertEquals(92, r.sites(), "NaN-producing instructions in nan.wat");
        // skipped: the f32.mul and f64.mul of the two a*b+1 chains (the next binary operation comes right after a
        // constant), f64.mul before demote, f32.div before promote, and the operands of eq, ne, lt, trunc_sat (x2)
        assertEquals(92 - 9, r.checks());
        assertEquals(2, r.functions());

        NanCanonicalizer.Result loop = NanCanonicalizer.run(FeatureModuleTest.resource("nan-loop.wasm"));
        assertEquals(6, loop.sites());
        assertEquals(4, loop.checks(), "x*a+b: only the add is checked");
    }

    private static Instance instantiate(byte[] wasm, Engine engine) {
        return instantiate(wasm, engine, true);
    }

    private static Instance instantiate(byte[] wasm, Engine engine, boolean byteArrayMemory) {
        WasmModule module = GuestRunner.parse(wasm);
        Instance.Builder b = Instance.builder(module).withMachineFactory(GuestRunner.machines(module, engine));
        if (byteArrayMemory) {
            b.withMemoryFactory(ByteArrayMemory::new);
        }
        return b.build();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void otherInstructionClassesAreDecodedAndKept(Engine engine) {
        byte[] original = FeatureModuleTest.resource("nan-features.wasm");
        NanCanonicalizer.Result r = NanCanonicalizer.run(original);
        assertEquals(4, r.sites()); // sqrt in $sq, div in $div, promote, demote
        Instance before = instantiate(original, engine, false); // (Chicory's ByteArrayMemory has no atomics)
        Instance after = instantiate(r.bytes(), engine, false);
        assertTrue(Float.isNaN(Float.intBitsToFloat((int) before.export("run").apply()[0])));
        assertEquals(C32, (int) after.export("run").apply()[0]);
        assertEquals(C32, (int) after.export("tail").apply()[0]);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void tryTable(Engine engine) {
        // (func (export "f") (result f32) (block (try_table (catch_all 0) (throw $t))) (f32.div (f32.const 0)
        // (f32.const 0)))
        byte[] body = {
            0x00,
            0x02,
            0x40,
            0x1F,
            0x40,
            0x01,
            0x02,
            0x00,
            0x08,
            0x00,
            0x0B,
            0x0B,
            0x43,
            0,
            0,
            0,
            0,
            0x43,
            0,
            0,
            0,
            0,
            (byte) 0x95,
            0x0B
        };
        ByteArrayOutputStream m = module();
        section(m, 1, new byte[] {0x02, 0x60, 0x00, 0x01, 0x7D, 0x60, 0x00, 0x00});
        section(m, 3, new byte[] {0x01, 0x00});
        section(m, 13, new byte[] {0x01, 0x00, 0x01});
        section(m, 7, new byte[] {0x01, 0x01, 'f', 0x00, 0x00});
        section(m, 10, concat(new byte[] {0x01, (byte) body.length}, body));
        byte[] original = m.toByteArray();
        NanCanonicalizer.Result r = NanCanonicalizer.run(original);
        assertEquals(1, r.checks());
        assertEquals(C32, Float.floatToRawIntBits(Float.intBitsToFloat((int)
                instantiate(r.bytes(), engine).export("f").apply()[0])));
    }

    @Test
    void simdAndExceptionsAreCanonicalised() {
        NanCanonicalizer.Result simd = NanCanonicalizer.run(FeatureModuleTest.resource("nan-simd.wasm"));
        assertEquals(24, simd.sites());
        assertEquals(24, simd.checks());
        GuestRunner.parse(simd.bytes()); // Chicory validates it (it runs no SIMD without its simd artifact)
        // f32x4.ceil (fd 67), then: local.tee 2, v128.const 4 x canonical, local.get 2 x2, f32x4.eq, v128.bitselect
        String lanes = "0000c07f".repeat(4);
        assertTrue(hex(simd.bytes()).contains("fd67" + "2202" + "fd0c" + lanes + "2002" + "2002" + "fd41" + "fd52"));
        String lanes64 = "000000000000f87f".repeat(2);
        assertTrue(hex(simd.bytes()).contains("fd74" + "2202" + "fd0c" + lanes64 + "2002" + "2002" + "fd47" + "fd52"));

        NanCanonicalizer.Result relaxed = NanCanonicalizer.run(FeatureModuleTest.resource("nan-relaxed.wasm"));
        assertEquals(
                8, relaxed.checks()); // (Chicory does not know relaxed SIMD; wabt's wasm-validate accepts the result)
        assertEquals(8, NanCanonicalizer.run(relaxed.bytes()).sites(), "the result decodes again");

        NanCanonicalizer.Result eh = NanCanonicalizer.run(FeatureModuleTest.resource("nan-exceptions.wasm"));
        assertEquals(2, eh.checks()); // legacy try/catch/delegate (Chicory knows only try_table)
        assertEquals(2, NanCanonicalizer.run(eh.bytes()).sites());
    }

    @Test
    void scalarCheckIsInline() {
        byte[] out = NanCanonicalizer.run(FeatureModuleTest.resource("nan-loop.wasm"))
                .bytes();
        // f64.add (a0), local.tee 3, f64.const canonical, local.get 3 x2, f64.eq, select
        assertTrue(
                hex(out).contains("a0" + "2203" + "44" + "000000000000f87f" + "2003" + "2003" + "61" + "1b"), hex(out));
        // f32: f32.add (92), local.tee 3, f32.const canonical, local.get 3 x2, f32.eq, select
        assertTrue(hex(out).contains("92" + "2203" + "43" + "0000c07f" + "2003" + "2003" + "5b" + "1b"), hex(out));
    }

    static Stream<Path> guestsWithoutFloats() throws IOException {
        Path dir = RewriteFixtures.repo().resolve("guests/wat");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".wasm"))
                    .filter(p -> !p.getFileName().toString().startsWith("nan")
                            && !List.of("malformed.wasm", "import-kind.wasm", "truncated-section.wasm")
                                    .contains(p.getFileName().toString()))
                    .sorted()
                    .toList();
            return Stream.concat(
                    all.stream(), Stream.of(RewriteFixtures.repo().resolve("guests/spendables/spendables.wasm")));
        }
    }

    @Test
    void modulesWithoutNanProducingInstructionsComeBackUnchanged() throws IOException {
        List<Path> guests = guestsWithoutFloats().toList();
        assertTrue(guests.size() >= 10);
        for (Path p : guests) {
            byte[] wasm = Files.readAllBytes(p);
            assertSame(wasm, NanCanonicalizer.canonicalize(p.getFileName().toString(), wasm), p.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aModuleWithoutNansBehavesTheSame(Engine engine) {
        // features.wasm has one f64 operation among every 2.0 instruction class; its digest must not change
        byte[] features = FeatureModuleTest.resource("features.wasm");
        byte[] canonical = NanCanonicalizer.canonicalize("features.wasm", features);
        assertNotSame(features, canonical);
        assertEquals(
                FeatureModuleTest.instantiate(features, engine, null)
                        .export("run")
                        .apply()[0],
                FeatureModuleTest.instantiate(canonical, engine, null)
                        .export("run")
                        .apply()[0]);
        // and the canonicalised module still goes through the reset rewrite
        ResettableModule.rewrite("features.wasm", canonical, new ResettableModule.Options(65536, false));
    }

    @Test
    void customSectionsWithCodeOffsetsAreDroppedOnlyWhenTheCodeChanged() {
        byte[] extra = concat(
                custom(".debug_info", new byte[] {1, 2, 3}),
                custom("keep", new byte[] {4}),
                custom("metadata.code.branch_hint", new byte[] {0}));
        byte[] canonical = NanCanonicalizer.canonicalize("nan.wasm", concat(NAN, extra));
        assertArrayEquals(
                concat(NanCanonicalizer.canonicalize("nan.wasm", NAN), custom("keep", new byte[] {4})), canonical);
        byte[] probe = concat(RewriteFixtures.guest("wat/probe.wasm"), extra);
        assertSame(probe, NanCanonicalizer.canonicalize("probe.wasm", probe));
    }

    @Test
    void refusesGcAndTypedReferencesNamingModuleAndFunction() {
        // body: 0 locals, 0xFB 0x00 (struct.new 0) ... refused at the prefix
        byte[] gc = simpleModule(new byte[] {0x00, (byte) 0xFB, 0x00, 0x00, 0x0B}, "gcfn");
        JshrewException e = assertThrows(JshrewException.class, () -> NanCanonicalizer.canonicalize("gc.wasm", gc));
        assertEquals(ErrorCode.MODULE_INVALID, e.code());
        assertEquals(
                "module gc.wasm: function 0 (gcfn) uses GC instructions (0xFB prefix), which "
                        + "NaN canonicalisation does not support",
                e.getMessage());
        // a local of type (ref null func)
        byte[] typed = simpleModule(new byte[] {0x01, 0x01, 0x63, 0x70, 0x0B}, null);
        e = assertThrows(JshrewException.class, () -> NanCanonicalizer.canonicalize("typed.wasm", typed));
        assertEquals(
                "module typed.wasm: function 0 uses a typed function reference or GC type "
                        + "(0x63), which NaN canonicalisation" + " does not support",
                e.getMessage());
    }

    @Test
    void refusesMalformedBytesWithTheOffset() {
        JshrewException e = assertThrows(
                JshrewException.class,
                () -> NanCanonicalizer.canonicalize(
                        "bad.wasm", "not a wasm module".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(ErrorCode.MODULE_INVALID, e.code());
        assertEquals(
                "module bad.wasm: malformed WebAssembly at offset 0 (0x0): bad magic (not a WebAssembly binary)",
                e.getMessage());

        byte[] truncated =
                simpleModule(new byte[] {0x00, 0x43, 0, 0, (byte) 0x80, 0x3F, (byte) 0x91}, null); // no 'end'
        e = assertThrows(JshrewException.class, () -> NanCanonicalizer.canonicalize("cut.wasm", truncated));
        assertTrue(e.getMessage().startsWith("module cut.wasm: malformed WebAssembly at offset "), e.getMessage());
        assertTrue(e.getMessage().endsWith("function 0: body ends without 'end'"), e.getMessage());

        byte[] unknown = simpleModule(new byte[] {0x00, (byte) 0xFC, 0x7F, 0x0B}, null);
        e = assertThrows(JshrewException.class, () -> NanCanonicalizer.canonicalize("fc.wasm", unknown));
        assertTrue(e.getMessage().endsWith("function 0: unknown instruction 0xFC 127"), e.getMessage());
    }

    /**
     * The pass reads types and imports through {@link ParsedModule} with its own rules: exnref, 64-bit memory
     * limits, an unknown section and a custom section with a malformed name are accepted (the engine judges them),
     * which {@link ParsedModule#parseInterface} rejects; GC types and a second code section are refused.
     */
    @Test
    void keepsItsOwnAcceptanceRulesOnTheSharedParser() {
        ByteArrayOutputStream m = module();
        section(m, 0x20, new byte[0]); // an unknown section id: copied as it is
        section(m, 1, new byte[] {0x02, 0x60, 0x01, 0x69, 0x00, 0x60, 0x00, 0x01, 0x7D}); // (exnref)->(), ()->f32
        section(m, 2, new byte[] {0x01, 0x01, 'm', 0x03, 'm', 'e', 'm', 0x02, 0x04, 0x01}); // memory64 import
        section(m, 3, new byte[] {0x01, 0x01});
        section(m, 10, new byte[] {0x01, 0x0D, 0x00, 0x43, 0, 0, 0, 0, 0x43, 0, 0, 0, 0, (byte) 0x92, 0x0B});
        section(m, 0, new byte[] {0x01, (byte) 0xFF}); // a custom section whose name is not UTF-8
        byte[] lax = m.toByteArray();
        NanCanonicalizer.Result r = NanCanonicalizer.run(lax);
        assertEquals(1, r.sites());
        assertEquals(1, r.checks());
        assertNotSame(lax, r.bytes());
        assertThrows(WasmReader.Malformed.class, () -> ParsedModule.parseInterface(lax));

        ByteArrayOutputStream gc = module();
        section(gc, 1, new byte[] {0x01, 0x5F, 0x00});
        JshrewException e = assertThrows(
                JshrewException.class, () -> NanCanonicalizer.canonicalize("gc-type.wasm", gc.toByteArray()));
        assertEquals(
                "module gc-type.wasm: type 0 is a GC type (0x5f), which NaN canonicalisation does not support",
                e.getMessage());

        ByteArrayOutputStream twice = module();
        section(twice, 10, new byte[] {0x00});
        section(twice, 10, new byte[] {0x00});
        e = assertThrows(JshrewException.class, () -> NanCanonicalizer.canonicalize("twice.wasm", twice.toByteArray()));
        assertEquals(
                "module twice.wasm: malformed WebAssembly at offset 11 (0xb): duplicate code section", e.getMessage());
    }

    // ---- hand-made modules ----

    private static ByteArrayOutputStream module() {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(new byte[] {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00});
        return m;
    }

    private static void section(ByteArrayOutputStream m, int id, byte[] content) {
        m.write(id);
        leb(m, content.length);
        m.writeBytes(content);
    }

    private static void leb(ByteArrayOutputStream m, int v) {
        do {
            int b = v & 0x7F;
            v >>>= 7;
            m.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }

    private static byte[] custom(String name, byte[] content) {
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        leb(c, n.length);
        c.writeBytes(n);
        c.writeBytes(content);
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        section(s, 0, c.toByteArray());
        return s.toByteArray();
    }

    /** One function {@code () -> ()} with the given body (locals and code), optionally named. */
    private static byte[] simpleModule(byte[] body, String name) {
        ByteArrayOutputStream m = module();
        section(m, 1, new byte[] {0x01, 0x60, 0x00, 0x00});
        section(m, 3, new byte[] {0x01, 0x00});
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        code.write(1);
        leb(code, body.length);
        code.writeBytes(body);
        section(m, 10, code.toByteArray());
        byte[] bytes = m.toByteArray();
        if (name == null) {
            return bytes;
        }
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream sub = new ByteArrayOutputStream();
        sub.write(1); // one entry
        sub.write(0); // function 0
        leb(sub, n.length);
        sub.writeBytes(n);
        names.write(1); // function names
        leb(names, sub.size());
        names.writeBytes(sub.toByteArray());
        return concat(bytes, custom("name", names.toByteArray()));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
