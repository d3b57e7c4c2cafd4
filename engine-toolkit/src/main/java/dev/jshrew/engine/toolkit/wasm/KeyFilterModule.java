package dev.jshrew.engine.toolkit.wasm;

import dev.jshrew.api.engine.KeyFilter;

/**
 * A small module that holds a copy of a {@link KeyFilter} in its memory and tests key hashes against it, for an
 * engine to link to the {@link ResettableModule#KEY_FILTER_IMPORT} of a guest rewritten with {@link
 * ResettableModule.Options#keyFilter()}: the guest's {@code __get_len} stand-in hashes the key and calls
 * {@link #TEST_EXPORT}, and a key the filter surely lacks costs no host call. The filter stays outside the guest's
 * memory, so the guest can neither see nor change it.
 *
 * <p>Exports {@link #MEMORY_EXPORT} (one page to start with, up to 65,536; the engine grows it to {@link
 * KeyFilter#copyBytes()} and keeps it current with {@link KeyFilter#copyTo}) and {@link #TEST_EXPORT} {@code (i64
 * hash) -> i32}: 1 when a key of that hash may be present (or the copy's active flag is 0), else 0.
 */
public final class KeyFilterModule {
    /** {@code (i64 hash) -> i32}. */
    public static final String TEST_EXPORT = "test";
    /** The filter's copy. */
    public static final String MEMORY_EXPORT = "memory";

    private static final byte[] BYTES = build();

    private KeyFilterModule() {}

    /** The module's bytes (a fresh copy). */
    public static byte[] bytes() {
        return BYTES.clone();
    }

    private static byte[] build() {
        WasmWriter out = new WasmWriter();
        out.bytes(new byte[] {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00});
        out.u8(ParsedModule.SEC_TYPE)
                .sized(new WasmWriter()
                        .u32(1)
                        .u8(0x60)
                        .u32(1)
                        .u8(ParsedModule.I64)
                        .u32(1)
                        .u8(ParsedModule.I32));
        out.u8(ParsedModule.SEC_FUNCTION).sized(new WasmWriter().u32(1).u32(0));
        out.u8(ParsedModule.SEC_MEMORY)
                .sized(new WasmWriter().u32(1).u8(0x01).u32(1).u32(65536));
        out.u8(ParsedModule.SEC_EXPORT)
                .sized(new WasmWriter()
                        .u32(2)
                        .name(TEST_EXPORT)
                        .u8(0x00)
                        .u32(0)
                        .name(MEMORY_EXPORT)
                        .u8(0x02)
                        .u32(0));
        WasmWriter body = new WasmWriter().u32(1).u32(1).u8(ParsedModule.I64); // local 1: the bits
        // filter off: every key may be present
        body.u8(0x41).s32(0).u8(0x29).u32(3).u32(0).u8(0x50).u8(0x04).u8(0x40);
        body.u8(0x41).s32(1).u8(0x0F).u8(0x0B);
        // bits = 1 << h | 1 << (h >>> 6) | 1 << (h >>> 12)  (i64.shl takes the count mod 64)
        body.u8(0x42).s64(1).u8(0x20).u32(0).u8(0x86);
        body.u8(0x42).s64(1).u8(0x20).u32(0).u8(0x42).s64(6).u8(0x88).u8(0x86).u8(0x84);
        body.u8(0x42).s64(1).u8(0x20).u32(0).u8(0x42).s64(12).u8(0x88).u8(0x86).u8(0x84);
        body.u8(0x21).u32(1);
        // the word at HEADER_BYTES + 8 * ((int) (h >>> 32) & mask)
        body.u8(0x20).u32(0).u8(0x42).s64(32).u8(0x88).u8(0xA7);
        body.u8(0x41).s32(0).u8(0x29).u32(3).u32(8).u8(0xA7).u8(0x71); // i32.and with the mask
        body.u8(0x41).s32(3).u8(0x74); // i32.shl 3
        body.u8(0x29).u32(3).u32(KeyFilter.HEADER_BYTES);
        // (word & bits) == bits
        body.u8(0x20).u32(1).u8(0x83).u8(0x20).u32(1).u8(0x51);
        body.u8(0x0B);
        out.u8(ParsedModule.SEC_CODE).sized(new WasmWriter().u32(1).sized(body));
        return out.toByteArray();
    }
}
