package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Modules the rewrite refuses, and malformed bytes: MODULE_INVALID with a message naming module, function and cause.
 */
class RewriteRefusalTest {
    private static final ResettableModule.Options OPTIONS = new ResettableModule.Options(65536, false);

    private static JshrewException refused(String name, byte[] wasm) {
        JshrewException e = assertThrows(JshrewException.class, () -> ResettableModule.rewrite(name, wasm, OPTIONS));
        assertTrue(e.getMessage().startsWith("module " + name + ": "), e.getMessage());
        return e;
    }

    /** The .wat sources and built modules are in src/test/resources/rewrite (see build.sh there). */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "refuse-simd.wasm|function 0 uses SIMD (0xFD prefix), which in-place reset does "
                        + "not support; use --reset fresh",
                "refuse-table-grow.wasm|function 0 uses table.grow, which in-place reset cannot "
                        + "undo; use --reset fresh",
                "refuse-multi-memory.wasm|defines 2 memories (multiple memories), which "
                        + "in-place reset does not support; use --reset fresh",
                "refuse-atomics.wasm|function 0 uses threads/atomics (0xFE prefix), which "
                        + "in-place reset does not support; use --reset fresh",
                "refuse-shared-memory.wasm|declares a shared memory (threads), which in-place "
                        + "reset does not support; use --reset fresh",
                "refuse-memory64.wasm|declares a 64-bit memory (memory64), which in-place reset "
                        + "does not support; use --reset fresh",
                "refuse-exceptions.wasm|function 0 uses exception handling (try), which "
                        + "in-place reset does not support; use --reset fresh",
                "refuse-imported-memory.wasm|imports its memory (env.memory), which in-place "
                        + "reset does not support; use --reset fresh",
                "refuse-export-collision.wasm|already exports '__jshrew_reset', a name the "
                        + "rewrite adds; use --reset fresh",
            })
    void refusesWithAClearMessage(String file, String message) {
        JshrewException e = refused(file, FeatureModuleTest.resource(file));
        assertEquals(ErrorCode.MODULE_INVALID, e.code());
        assertEquals("module " + file + ": " + message, e.getMessage());
    }

    // ---- hand-built modules ----

    private static byte[] leb(long v) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            o.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
        return o.toByteArray();
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    private static byte[] section(int id, byte[] content) {
        return cat(b(id), leb(content.length), content);
    }

    private static final byte[] HEADER = b(0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00);

    /**
     * A module with one memory (1 page) and one function {@code () -> ()} whose code (without the final end) is given.
     */
    private static byte[] oneFunction(int... code) {
        byte[] body = cat(b(0x00), b(code), b(0x0B));
        return cat(
                HEADER,
                section(1, b(0x01, 0x60, 0x00, 0x00)),
                section(3, b(0x01, 0x00)),
                section(5, b(0x01, 0x00, 0x01)),
                section(10, cat(b(0x01), leb(body.length), body)));
    }

    @Test
    void handBuiltModuleIsAccepted() {
        ResettableModule rw = ResettableModule.rewrite("tiny", oneFunction(0x01), OPTIONS);
        assertEquals(1, rw.initialPages());
        assertEquals(65536, rw.limitPages());
        assertEquals(-1, rw.declaredMaximumPages());
        GuestRunner.parse(rw.bytes()); // Chicory parses (and validates) it
    }

    @Test
    void simdInABodyIsRefusedWithTheFunctionIndex() {
        // i32.const 0; i8x16.splat (0xFD 15); drop
        JshrewException e = refused("simd", oneFunction(0x41, 0x00, 0xFD, 0x0F, 0x1A));
        assertEquals(
                "module simd: function 0 uses SIMD (0xFD prefix), which in-place reset does not "
                        + "support; use --reset fresh",
                e.getMessage());
    }

    @Test
    void tableGrowIsRefused() {
        byte[] body = cat(b(0x00), b(0xD0, 0x70, 0x41, 0x01, 0xFC, 0x0F, 0x00, 0x1A), b(0x0B));
        byte[] wasm = cat(
                HEADER,
                section(1, b(0x01, 0x60, 0x00, 0x00)),
                section(3, b(0x01, 0x00)),
                section(4, b(0x01, 0x70, 0x00, 0x01)),
                section(5, b(0x01, 0x00, 0x01)),
                section(10, cat(b(0x01), leb(body.length), body)));
        assertEquals(
                "module tg: function 0 uses table.grow, which in-place reset cannot undo; use --reset fresh",
                refused("tg", wasm).getMessage());
    }

    @Test
    void multipleMemoriesAreRefused() {
        byte[] wasm = cat(HEADER, section(5, b(0x02, 0x00, 0x01, 0x00, 0x01)));
        assertTrue(refused("mm", wasm).getMessage().contains("multiple memories"));
    }

    @Test
    void aModuleWithoutMemoryIsRewrittenToo() {
        // tables and globals only (as in the spec's bulk.wast): reset restores them; no memory is added
        byte[] wasm = cat(HEADER, section(1, b(0x01, 0x60, 0x00, 0x00)));
        ResettableModule rw = ResettableModule.rewrite("nomem", wasm, OPTIONS);
        assertEquals(0, rw.initialPages());
        assertEquals(0, rw.limitPages());
        var instance = com.dylibso.chicory.runtime.Instance.builder(GuestRunner.parse(rw.bytes()))
                .withImportValues(com.dylibso.chicory.runtime.ImportValues.builder()
                        .addFunction(new com.dylibso.chicory.runtime.HostFunction(
                                "jshrew",
                                "grow",
                                com.dylibso.chicory.wasm.types.FunctionType.of(
                                        java.util.List.of(
                                                com.dylibso.chicory.wasm.types.ValType.I32,
                                                com.dylibso.chicory.wasm.types.ValType.I32),
                                        java.util.List.of()),
                                (i, a) -> null))
                        .build())
                .build();
        assertEquals(0, instance.export(ResettableModule.GROW_PHYSICAL_EXPORT).apply(0)[0]);
        assertEquals(
                -1, (int) instance.export(ResettableModule.GROW_PHYSICAL_EXPORT).apply(1)[0]);
        instance.export(ResettableModule.RESET_EXPORT).apply();
    }

    @Test
    void gcTypesAreRefused() {
        byte[] wasm = cat(HEADER, section(1, b(0x01, 0x5F, 0x00)), section(5, b(0x01, 0x00, 0x01)));
        assertTrue(refused("gc", wasm).getMessage().contains("GC type"));
    }

    @Test
    void initialPagesAboveTheLimitAreAnEngineLimit() {
        byte[] wasm = cat(HEADER, section(5, b(0x01, 0x00, 0x11)));
        JshrewException e = assertThrows(
                JshrewException.class,
                () -> ResettableModule.rewrite("big", wasm, new ResettableModule.Options(16, false)));
        assertEquals(ErrorCode.ENGINE_LIMIT, e.code());
        assertEquals("module big: its memory starts at 17 pages, above the guest limit of 16 pages", e.getMessage());
    }

    @Test
    void malformedBytesNameTheOffset() {
        JshrewException e = refused("junk", "not a wasm module".getBytes());
        assertEquals(ErrorCode.MODULE_INVALID, e.code());
        assertTrue(e.getMessage().contains("malformed WebAssembly at offset 0 (0x0): bad magic"), e.getMessage());

        byte[] spendables = RewriteFixtures.guest("spendables/spendables.wasm");
        e = refused("truncated", Arrays.copyOf(spendables, 30_000));
        assertTrue(e.getMessage().startsWith("module truncated: malformed WebAssembly at offset "), e.getMessage());

        // a section size LEB128 of 6 bytes
        e = refused("leb", cat(HEADER, b(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)));
        assertEquals(
                "module leb: malformed WebAssembly at offset 9 (0x9): u32 LEB128 longer than 5 bytes", e.getMessage());

        // an unknown opcode inside a body: offset of the opcode in the module
        byte[] bad = oneFunction(0x01, 0xFF);
        e = refused("opcode", bad);
        int at = bad.length - 2;
        assertEquals(
                "module opcode: malformed WebAssembly at offset " + at + " (0x" + Integer.toHexString(at)
                        + "): function 0: unknown opcode 0xff",
                e.getMessage());

        // code after the function's final end
        byte[] body = b(0x00, 0x0B, 0x01);
        e = refused(
                "trailing",
                cat(
                        HEADER,
                        section(1, b(0x01, 0x60, 0x00, 0x00)),
                        section(3, b(0x01, 0x00)),
                        section(5, b(0x01, 0x00, 0x01)),
                        section(10, cat(b(0x01), leb(body.length), body))));
        assertTrue(e.getMessage().contains("1 bytes after the final 'end'"), e.getMessage());

        // function and code counts differ
        e = refused(
                "counts",
                cat(
                        HEADER,
                        section(1, b(0x01, 0x60, 0x00, 0x00)),
                        section(3, b(0x01, 0x00)),
                        section(5, b(0x01, 0x00, 0x01))));
        assertTrue(e.getMessage().contains("function and code section counts differ"), e.getMessage());

        // sections out of order
        e = refused("order", cat(HEADER, section(5, b(0x01, 0x00, 0x01)), section(1, b(0x00))));
        assertTrue(e.getMessage().contains("out of order"), e.getMessage());
    }

    @Test
    void everyPrefixOfARealModuleIsRefusedCleanly() {
        // no truncation may escape as anything but MODULE_INVALID (no IndexOutOfBounds, no NegativeArraySize, ...)
        byte[] features = FeatureModuleTest.resource("features.wasm");
        for (int n = 0; n < features.length; n++) {
            byte[] prefix = Arrays.copyOf(features, n);
            try {
                ResettableModule.rewrite("prefix", prefix, OPTIONS);
                // a prefix ending exactly at a section boundary may still be a (smaller) module; that is fine
            } catch (JshrewException e) {
                assertEquals(ErrorCode.MODULE_INVALID, e.code(), "prefix " + n + ": " + e.getMessage());
            }
        }
    }

    @Test
    void randomCorruptionsFailCleanly() {
        // flipped bytes anywhere: either a rewrite or MODULE_INVALID / ENGINE_LIMIT, never another exception
        java.util.Random random = new java.util.Random(42);
        for (byte[] original :
                new byte[][] {FeatureModuleTest.resource("features.wasm"), RewriteFixtures.guest("wat/state.wasm")}) {
            for (int i = 0; i < 3000; i++) {
                byte[] mutated = original.clone();
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    mutated[8 + random.nextInt(mutated.length - 8)] = (byte) random.nextInt(256);
                }
                try {
                    ResettableModule.rewrite("mutant", mutated, OPTIONS);
                } catch (JshrewException e) {
                    assertTrue(
                            e.code() == ErrorCode.MODULE_INVALID || e.code() == ErrorCode.ENGINE_LIMIT, e.getMessage());
                }
            }
        }
    }

    @Test
    void optionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ResettableModule.Options(65537, false));
        assertThrows(IllegalArgumentException.class, () -> new ResettableModule.Options(-1, false));
    }
}
