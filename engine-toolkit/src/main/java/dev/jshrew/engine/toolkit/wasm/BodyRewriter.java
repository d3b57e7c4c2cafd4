package dev.jshrew.engine.toolkit.wasm;

import dev.jshrew.engine.toolkit.wasm.WasmReader.Malformed;

/**
 * Decodes every instruction of one function body and re-encodes it with the rewrite applied: {@code memory.size}
 * reads the virtual page count, {@code memory.grow} calls the virtual grow, bulk memory goes through the
 * virtual-size checks and the "dropped" flags, function indices are renumbered and, when asked, every load and
 * store is preceded by a bounds check against the virtual size. Everything else is copied byte for byte.
 */
final class BodyRewriter {
    /** What the body rewrite needs from the module layout (indices of the added globals, functions, segments). */
    interface Layout {
        /** The function a direct call of original function {@code func} goes to (renumbered, or a stand-in). */
        int callTarget(int func);

        int pagesGlobal();

        int virtualBytesGlobal();

        int vgrowFunction();

        int oobFunction();

        int fillFunction();

        int copyFunction();

        boolean checkLoadsAndStores();

        /**
         * Whether the module defines a memory. Without one, memory instructions are copied unchanged (the engine
         * then rejects the module as invalid, as it would the original).
         */
        boolean hasMemory();

        /** The function replacing {@code memory.init seg}: {@code (d, s, n) -> ()}. */
        int memoryInitFunction(int segment);

        /** The global flag of a passive data segment, or -1 for an active one (always dropped after instantiation). */
        int dataDroppedGlobal(int segment);

        /**
         * The function replacing {@code table.init seg table} for a passive segment, or -1 for an active/declarative
         * one.
         */
        int tableInitFunction(int segment, int table);

        /** The global flag of a passive element segment, or -1 for an active/declarative one. */
        int elemDroppedGlobal(int segment);

        /** An empty passive element segment of the same reference type as {@code segment}. */
        int emptyElementFor(int segment);
    }

    private final ParsedModule m;
    private final Layout layout;

    BodyRewriter(ParsedModule m, Layout layout) {
        this.m = m;
        this.layout = layout;
    }

    /** Scratch locals appended to a function, allocated on first use. */
    private static final class Scratch {
        final long base;
        final WasmWriter decls = new WasmWriter(16);
        int groups;
        int addr = -1, i32 = -1, i64 = -1, f32 = -1, f64 = -1;

        Scratch(long base) {
            this.base = base;
        }

        private int add(int type) {
            long index = base + groups;
            if (index > 0xFFFF_FFF0L) {
                throw new Refused("too many locals");
            }
            groups++;
            decls.u32(1).u8(type);
            return (int) index;
        }

        int addr() {
            return addr >= 0 ? addr : (addr = add(ParsedModule.I32));
        }

        int value(int type) {
            return switch (type) {
                case ParsedModule.I32 -> i32 >= 0 ? i32 : (i32 = add(type));
                case ParsedModule.I64 -> i64 >= 0 ? i64 : (i64 = add(type));
                case ParsedModule.F32 -> f32 >= 0 ? f32 : (f32 = add(type));
                case ParsedModule.F64 -> f64 >= 0 ? f64 : (f64 = add(type));
                default -> throw new IllegalArgumentException("type " + type);
            };
        }
    }

    /** Rewrites defined function {@code defIndex}; returns the new body (locals and code, without its size). */
    byte[] rewrite(int defIndex) {
        ParsedModule.Body body = m.bodies.get(defIndex);
        int funcIndex = m.funcImports + defIndex;
        String who = m.describeFunction(funcIndex);
        WasmReader r = new WasmReader(m.wasm, body.start(), body.end());
        int groups = r.count();
        int localsStart = r.pos();
        long localCount = m.typeParamCounts.get(m.funcTypes.get(defIndex));
        for (int g = 0; g < groups; g++) {
            int countPos = r.pos();
            long n = Integer.toUnsignedLong(r.u32());
            ParsedModule.valType(r, who);
            localCount += n;
            if (localCount > 0xFFFF_FFFFL) {
                throw new Malformed(countPos, who + ": too many locals");
            }
        }
        int localsEnd = r.pos();
        Scratch scratch = new Scratch(localCount);
        WasmWriter code = new WasmWriter(body.end() - body.start() + 64);
        rewriteCode(r, code, scratch, who);

        WasmWriter out = new WasmWriter(code.size() + (localsEnd - localsStart) + 32);
        out.u32(groups + scratch.groups);
        out.bytes(m.wasm, localsStart, localsEnd - localsStart);
        out.bytes(scratch.decls);
        out.bytes(code);
        return out.toByteArray();
    }

    private static Refused refuse(String who, String what, boolean undo) {
        return new Refused(who + " uses " + what + ", which in-place reset "
                + (undo ? "cannot undo" : "does not support") + "; use --reset fresh");
    }

    private void rewriteCode(WasmReader r, WasmWriter out, Scratch scratch, String who) {
        byte[] wasm = m.wasm;
        int depth = 0;
        while (true) {
            if (r.atEnd()) {
                throw new Malformed(r.pos(), who + ": body ends without 'end'");
            }
            int at = r.pos();
            int op = r.u8();
            switch (op) {
                // no immediates: unreachable, nop, else, return, drop, select, ref.is_null, numeric (incl. sign
                // extension)
                case 0x00, 0x01, 0x05, 0x0F, 0x1A, 0x1B, 0xD1 -> out.u8(op);
                case 0x02, 0x03, 0x04 -> {
                    blockType(r, who);
                    depth++;
                    copy(out, wasm, at, r.pos());
                }
                case 0x0B -> {
                    out.u8(op);
                    if (depth == 0) {
                        if (!r.atEnd()) {
                            throw new Malformed(r.pos(), who + ": " + r.remaining() + " bytes after the final 'end'");
                        }
                        return;
                    }
                    depth--;
                }
                case 0x0C, 0x0D -> {
                    r.u32();
                    copy(out, wasm, at, r.pos());
                }
                case 0x0E -> {
                    int n = r.count();
                    for (int i = 0; i <= n; i++) {
                        r.u32();
                    }
                    copy(out, wasm, at, r.pos());
                }
                case 0x10, 0x12 -> out.u8(op).u32(layout.callTarget(func(r, who)));
                case 0x11, 0x13 -> { // call_indirect / return_call_indirect: type, table
                    r.u32();
                    r.u32();
                    copy(out, wasm, at, r.pos());
                }
                case 0x1C -> { // typed select
                    int n = r.count();
                    for (int i = 0; i < n; i++) {
                        ParsedModule.valType(r, who);
                    }
                    copy(out, wasm, at, r.pos());
                }
                case 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26 -> {
                    r.u32();
                    copy(out, wasm, at, r.pos());
                }
                case 0x3F -> {
                    memoryIndex(r, who);
                    if (layout.hasMemory()) {
                        out.u8(0x23).u32(layout.pagesGlobal());
                    } else {
                        copy(out, wasm, at, r.pos());
                    }
                }
                case 0x40 -> {
                    memoryIndex(r, who);
                    if (layout.hasMemory()) {
                        out.u8(0x10).u32(layout.vgrowFunction());
                    } else {
                        copy(out, wasm, at, r.pos());
                    }
                }
                case 0x41 -> {
                    r.signed(32);
                    copy(out, wasm, at, r.pos());
                }
                case 0x42 -> {
                    r.signed(64);
                    copy(out, wasm, at, r.pos());
                }
                case 0x43 -> {
                    r.skip(4);
                    copy(out, wasm, at, r.pos());
                }
                case 0x44 -> {
                    r.skip(8);
                    copy(out, wasm, at, r.pos());
                }
                case 0xD0 -> {
                    ParsedModule.heapType(r, who);
                    copy(out, wasm, at, r.pos());
                }
                case 0xD2 -> out.u8(op).u32(m.renumber(func(r, who)));
                case 0xFC -> prefixFC(r, out, at, who);
                case 0xFD -> throw refuse(who, "SIMD (0xFD prefix)", false);
                case 0xFE -> throw refuse(who, "threads/atomics (0xFE prefix)", false);
                case 0xFB -> throw refuse(who, "GC instructions (0xFB prefix)", false);
                case 0x06 -> throw refuse(who, "exception handling (try)", false);
                case 0x07 -> throw refuse(who, "exception handling (catch)", false);
                case 0x08 -> throw refuse(who, "exception handling (throw)", false);
                case 0x09 -> throw refuse(who, "exception handling (rethrow)", false);
                case 0x0A -> throw refuse(who, "exception handling (throw_ref)", false);
                case 0x18 -> throw refuse(who, "exception handling (delegate)", false);
                case 0x19 -> throw refuse(who, "exception handling (catch_all)", false);
                case 0x1F -> throw refuse(who, "exception handling (try_table)", false);
                case 0x14 -> throw refuse(who, "typed function references (call_ref)", false);
                case 0x15 -> throw refuse(who, "typed function references (return_call_ref)", false);
                case 0xD3 -> throw refuse(who, "typed function references (ref.as_non_null)", false);
                case 0xD4 -> throw refuse(who, "typed function references (br_on_null)", false);
                case 0xD5 -> throw refuse(who, "GC (ref.eq)", false);
                case 0xD6 -> throw refuse(who, "typed function references (br_on_non_null)", false);
                default -> {
                    if (op >= 0x28 && op <= 0x3E) {
                        loadStore(r, out, at, op, scratch, who);
                    } else if (op >= 0x45 && op <= 0xC4) {
                        out.u8(op);
                    } else {
                        throw new Malformed(at, who + ": unknown opcode 0x" + Integer.toHexString(op));
                    }
                }
            }
        }
    }

    private static void copy(WasmWriter out, byte[] wasm, int from, int to) {
        out.bytes(wasm, from, to - from);
    }

    private int func(WasmReader r, String who) {
        int pos = r.pos();
        int f = r.u32();
        if (Integer.compareUnsigned(f, m.functionCount()) >= 0) {
            throw new Malformed(pos, who + ": function index " + Integer.toUnsignedString(f) + " out of range");
        }
        return f;
    }

    private void blockType(WasmReader r, String who) {
        int pos = r.pos();
        long bt = r.signed(33);
        if (bt >= 0) {
            if (bt >= m.typeParamCounts.size()) {
                throw new Malformed(pos, who + ": block type index " + bt + " out of range");
            }
            return;
        }
        if (bt < -64) {
            throw new Malformed(pos, who + ": bad block type");
        }
        int code = (int) (bt & 0x7F);
        switch (code) {
            case 0x40,
                    ParsedModule.I32,
                    ParsedModule.I64,
                    ParsedModule.F32,
                    ParsedModule.F64,
                    ParsedModule.FUNCREF,
                    ParsedModule.EXTERNREF -> {}
            case ParsedModule.V128 -> throw refuse(who, "SIMD (a v128 block type)", false);
            default -> {
                if (code >= 0x63 && code <= 0x74) {
                    throw refuse(who, "typed references / GC (block type 0x" + Integer.toHexString(code) + ")", false);
                }
                throw new Malformed(pos, who + ": bad block type");
            }
        }
    }

    private void memoryIndex(WasmReader r, String who) {
        int pos = r.pos();
        int mem = r.u8();
        if (mem != 0) {
            if ((mem & 0x80) == 0 && mem < 0x80) {
                throw refuse(who, "memory " + mem + " (multiple memories)", false);
            }
            throw new Malformed(pos, who + ": bad memory index");
        }
    }

    /** Access size in bytes and value type of the stored value (0 for loads), per opcode 0x28..0x3E. */
    private static final int[] SIZE = {4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4, 4, 8, 4, 8, 1, 2, 1, 2, 4};

    private static final int[] STORED = {
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        ParsedModule.I32,
        ParsedModule.I64,
        ParsedModule.F32,
        ParsedModule.F64,
        ParsedModule.I32,
        ParsedModule.I32,
        ParsedModule.I64,
        ParsedModule.I64,
        ParsedModule.I64
    };

    private void loadStore(WasmReader r, WasmWriter out, int at, int op, Scratch scratch, String who) {
        int align = r.u32();
        if ((align & 0x40) != 0) {
            throw refuse(who, "a memory index in a load/store (multiple memories)", false);
        }
        long offset = Integer.toUnsignedLong(r.u32());
        int end = r.pos();
        if (!layout.checkLoadsAndStores()) {
            copy(out, m.wasm, at, end);
            return;
        }
        int stored = STORED[op - 0x28];
        int value = -1;
        if (stored != 0) {
            value = scratch.value(stored);
            out.u8(0x21).u32(value); // local.set value
        }
        int addr = scratch.addr();
        out.u8(0x22).u32(addr); // local.tee addr
        out.u8(0xAD); // i64.extend_i32_u
        out.u8(0x42).s64(offset + SIZE[op - 0x28]); // i64.const offset+size
        out.u8(0x7C); // i64.add
        out.u8(0x23).u32(layout.virtualBytesGlobal()); // global.get virtual bytes
        out.u8(0x56); // i64.gt_u
        out.u8(0x04).u8(0x40); // if
        out.u8(0x10).u32(layout.oobFunction()); //   call oob (traps)
        out.u8(0x0B); // end
        out.u8(0x20).u32(addr); // local.get addr
        if (value >= 0) {
            out.u8(0x20).u32(value); // local.get value
        }
        copy(out, m.wasm, at, end); // the original load/store
    }

    private void prefixFC(WasmReader r, WasmWriter out, int at, String who) {
        int subPos = r.pos();
        int sub = r.u32();
        if (!layout.hasMemory() && sub >= 8 && sub <= 11) { // no memory: keep as is (invalid, or a plain data.drop)
            switch (sub) {
                case 8 -> {
                    dataIndex(r, who);
                    memoryIndex(r, who);
                }
                case 9 -> dataIndex(r, who);
                case 10 -> {
                    memoryIndex(r, who);
                    memoryIndex(r, who);
                }
                default -> memoryIndex(r, who);
            }
            copy(out, m.wasm, at, r.pos());
            return;
        }
        switch (sub) {
            case 0, 1, 2, 3, 4, 5, 6, 7 -> copy(out, m.wasm, at, r.pos()); // trunc_sat
            case 8 -> { // memory.init seg mem
                int seg = dataIndex(r, who);
                memoryIndex(r, who);
                out.u8(0x10).u32(layout.memoryInitFunction(seg));
            }
            case 9 -> { // data.drop seg
                int seg = dataIndex(r, who);
                int flag = layout.dataDroppedGlobal(seg);
                if (flag >= 0) {
                    out.u8(0x41).s32(1).u8(0x24).u32(flag);
                } // an active segment is already dropped: nothing to do
            }
            case 10 -> { // memory.copy dst src
                memoryIndex(r, who);
                memoryIndex(r, who);
                out.u8(0x10).u32(layout.copyFunction());
            }
            case 11 -> { // memory.fill mem
                memoryIndex(r, who);
                out.u8(0x10).u32(layout.fillFunction());
            }
            case 12 -> { // table.init seg table
                int seg = elemIndex(r, who);
                int table = tableIndex(r, who);
                int helper = layout.tableInitFunction(seg, table);
                if (helper >= 0) {
                    out.u8(0x10).u32(helper);
                } else { // active or declarative: dropped since instantiation, so it behaves as an empty segment
                    out.u8(0xFC).u32(12).u32(layout.emptyElementFor(seg)).u32(table);
                }
            }
            case 13 -> { // elem.drop seg
                int seg = elemIndex(r, who);
                int flag = layout.elemDroppedGlobal(seg);
                if (flag >= 0) {
                    out.u8(0x41).s32(1).u8(0x24).u32(flag);
                }
            }
            case 14 -> { // table.copy dst src
                tableIndex(r, who);
                tableIndex(r, who);
                copy(out, m.wasm, at, r.pos());
            }
            case 15 -> throw refuse(who, "table.grow", true);
            case 16, 17 -> { // table.size, table.fill
                tableIndex(r, who);
                copy(out, m.wasm, at, r.pos());
            }
            default ->
                throw new Malformed(
                        subPos, who + ": unknown or unsupported instruction 0xFC " + Integer.toUnsignedString(sub));
        }
    }

    private int dataIndex(WasmReader r, String who) {
        int pos = r.pos();
        int seg = r.u32();
        if (Integer.compareUnsigned(seg, m.data.size()) >= 0) {
            throw new Malformed(pos, who + ": data segment " + Integer.toUnsignedString(seg) + " out of range");
        }
        if (m.dataCount < 0) {
            throw new Malformed(pos, who + ": memory.init/data.drop without a data count section");
        }
        return seg;
    }

    private int elemIndex(WasmReader r, String who) {
        int pos = r.pos();
        int seg = r.u32();
        if (Integer.compareUnsigned(seg, m.elements.size()) >= 0) {
            throw new Malformed(pos, who + ": element segment " + Integer.toUnsignedString(seg) + " out of range");
        }
        return seg;
    }

    private int tableIndex(WasmReader r, String who) {
        int pos = r.pos();
        int t = r.u32();
        if (Integer.compareUnsigned(t, m.tables.size()) >= 0) {
            throw new Malformed(pos, who + ": table " + Integer.toUnsignedString(t) + " out of range");
        }
        return t;
    }
}
