package dev.jshrew.engine.toolkit.wasm;

import dev.jshrew.api.engine.ValueTable;

/**
 * A small module that holds a copy of a {@link ValueTable} in its memory and looks keys up in it, for an engine to
 * link to the {@link ResettableModule#VALUE_FIND_IMPORT} and {@link ResettableModule#VALUE_CHUNK_IMPORT} of a guest
 * rewritten with {@link ResettableModule.Options#valueTable()}: the guest's {@code __get_len} stand-in asks
 * {@link #FIND_EXPORT} about the key's hash and length, compares the found slot's key chunks with its own and takes
 * the value's, and a key the table holds costs no host call. The table stays outside the guest's memory, so the
 * guest can neither see nor change it.
 *
 * <p>Exports {@link #MEMORY_EXPORT} (one page to start with, up to 65,536; the engine grows it to {@link
 * ValueTable#copyBytes()} and keeps it current with {@link ValueTable#copyTo}), {@link #FIND_EXPORT} {@code (i64
 * hash, i32 keyLength) -> i32}: the value's length when the hash's slot holds a current entry of that hash and key
 * length (it is then the found slot), else -1 (also when the copy's epoch word is 0, off); and {@link #CHUNK_EXPORT}
 * {@code (i32 j) -> i64}: the found slot's chunk {@code j}, key chunks from 0, value chunks from {@value
 * ValueTable#CHUNKS}.
 */
public final class ValueTableModule {
    /** {@code (i64 hash, i32 keyLength) -> i32}. */
    public static final String FIND_EXPORT = "find";
    /** {@code (i32 j) -> i64}. */
    public static final String CHUNK_EXPORT = "chunk";
    /** The table's copy. */
    public static final String MEMORY_EXPORT = "memory";

    private static final byte[] BYTES = build();

    private ValueTableModule() {}

    /** The module's bytes (a fresh copy). */
    public static byte[] bytes() {
        return BYTES.clone();
    }

    private static byte[] build() {
        WasmWriter out = new WasmWriter();
        out.bytes(new byte[] {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00});
        out.u8(ParsedModule.SEC_TYPE)
                .sized(new WasmWriter()
                        .u32(2)
                        .u8(0x60)
                        .u32(2)
                        .u8(ParsedModule.I64)
                        .u8(ParsedModule.I32)
                        .u32(1)
                        .u8(ParsedModule.I32)
                        .u8(0x60)
                        .u32(1)
                        .u8(ParsedModule.I32)
                        .u32(1)
                        .u8(ParsedModule.I64));
        out.u8(ParsedModule.SEC_FUNCTION).sized(new WasmWriter().u32(2).u32(0).u32(1));
        out.u8(ParsedModule.SEC_MEMORY)
                .sized(new WasmWriter().u32(1).u8(0x01).u32(1).u32(65536));
        // global 0: the found slot's address
        out.u8(ParsedModule.SEC_GLOBAL)
                .sized(new WasmWriter()
                        .u32(1)
                        .u8(ParsedModule.I32)
                        .u8(0x01)
                        .u8(0x41)
                        .s32(0)
                        .u8(0x0B));
        out.u8(ParsedModule.SEC_EXPORT)
                .sized(new WasmWriter()
                        .u32(3)
                        .name(FIND_EXPORT)
                        .u8(0x00)
                        .u32(0)
                        .name(CHUNK_EXPORT)
                        .u8(0x00)
                        .u32(1)
                        .name(MEMORY_EXPORT)
                        .u8(0x02)
                        .u32(0));
        // find: params h (0), length (1); locals epoch (2), slot address (3)
        WasmWriter find = new WasmWriter().u32(1).u32(2).u8(ParsedModule.I32);
        // epoch = (i32) header word 0; 0: off
        find.u8(0x41).s32(0).u8(0x29).u32(3).u32(0).u8(0xA7).u8(0x22).u32(2).u8(0x45);
        notFound(find);
        // address = HEADER_BYTES + ((i32) h & (i32) mask) * SLOT_BYTES
        find.u8(0x20)
                .u32(0)
                .u8(0xA7)
                .u8(0x41)
                .s32(0)
                .u8(0x29)
                .u32(3)
                .u32(8)
                .u8(0xA7)
                .u8(0x71);
        find.u8(0x41)
                .s32(ValueTable.SLOT_BYTES)
                .u8(0x6C)
                .u8(0x41)
                .s32(ValueTable.HEADER_BYTES)
                .u8(0x6A);
        find.u8(0x21).u32(3);
        // the slot's hash, epoch and key length must all match
        find.u8(0x20).u32(3).u8(0x29).u32(3).u32(0).u8(0x20).u32(0).u8(0x52); // i64.ne
        notFound(find);
        find.u8(0x20).u32(3).u8(0x28).u32(2).u32(8).u8(0x20).u32(2).u8(0x47); // i32.ne
        notFound(find);
        find.u8(0x20).u32(3).u8(0x28).u32(2).u32(12).u8(0x20).u32(1).u8(0x47);
        notFound(find);
        find.u8(0x20).u32(3).u8(0x24).u32(0); // the found slot
        find.u8(0x20).u32(3).u8(0x28).u32(2).u32(16); // its value's length
        find.u8(0x0B);
        // chunk: i64.load (found + 8j) offset CHUNKS_OFFSET
        WasmWriter chunk = new WasmWriter().u32(0);
        chunk.u8(0x23).u32(0).u8(0x20).u32(0).u8(0x41).s32(3).u8(0x74).u8(0x6A);
        chunk.u8(0x29).u32(3).u32(ValueTable.CHUNKS_OFFSET).u8(0x0B);
        out.u8(ParsedModule.SEC_CODE).sized(new WasmWriter().u32(2).sized(find).sized(chunk));
        return out.toByteArray();
    }

    /** {@code if (cond) return -1}. */
    private static void notFound(WasmWriter w) {
        w.u8(0x04).u8(0x40).u8(0x41).s32(-1).u8(0x0F).u8(0x0B);
    }
}
