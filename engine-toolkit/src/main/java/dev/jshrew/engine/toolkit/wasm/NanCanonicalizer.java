package dev.jshrew.engine.toolkit.wasm;

import static dev.jshrew.engine.toolkit.wasm.ParsedModule.EXNREF;
import static dev.jshrew.engine.toolkit.wasm.ParsedModule.EXTERNREF;
import static dev.jshrew.engine.toolkit.wasm.ParsedModule.F32;
import static dev.jshrew.engine.toolkit.wasm.ParsedModule.F64;
import static dev.jshrew.engine.toolkit.wasm.ParsedModule.FUNCREF;
import static dev.jshrew.engine.toolkit.wasm.ParsedModule.SEC_CODE;
import static dev.jshrew.engine.toolkit.wasm.ParsedModule.SEC_CUSTOM;
import static dev.jshrew.engine.toolkit.wasm.ParsedModule.V128;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.engine.toolkit.wasm.ParsedModule.Section;
import dev.jshrew.engine.toolkit.wasm.WasmReader.Malformed;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An engine-neutral NaN canonicalisation of a module's code (METASHREW-ABI §7.6, checklist C-66): after every
 * instruction that can produce a NaN, the result is replaced by the canonical NaN ({@link #CANONICAL_F32},
 * {@link #CANONICAL_F64}) when it is a NaN, so the bits a guest can observe do not depend on the engine or the CPU
 * (x86-64 produces the negative default NaN {@code 0xFFC00000}, other CPUs and engines propagate payloads).
 *
 * <p>Canonicalised: f32/f64 {@code add sub mul div sqrt min max ceil floor trunc nearest}, {@code f32.demote_f64},
 * {@code f64.promote_f32}, and lane-wise the SIMD ones ({@code f32x4}/{@code f64x2} arithmetic, rounding,
 * {@code demote}/{@code promote}, relaxed {@code madd}/{@code nmadd}/{@code min}/{@code max}). Not touched, because
 * they are bit-exact by the specification: loads, stores, constants, {@code local}/{@code global} moves,
 * {@code select}, {@code abs}, {@code neg}, {@code copysign}, {@code reinterpret}, {@code pmin}/{@code pmax} and
 * lane moves. Each site gets, inline, {@code local.tee $t  const canonical  local.get $t  local.get $t  eq  select}
 * ({@code v128.bitselect} for vectors) with one scratch local per type and function, added after the function's
 * own locals. A site is left alone when the instruction that consumes its value cannot tell one NaN from another:
 * it drops the value, compares it, truncates it to an integer, or is itself a canonicalised operation (a NaN operand
 * gives a NaN result, which is canonicalised there) — the instruction right after, or a binary one right after a
 * single {@code local.get}, {@code global.get} or constant. So in {@code x * a + b} only the addition is checked.
 *
 * <p>Only the code section changes (and custom sections holding code offsets — DWARF {@code .debug_*},
 * {@code sourceMappingURL}, {@code external_debug_info}, {@code metadata.code.*} — are dropped, since those offsets
 * move): no type, import, function, global or export is added, so every index and every import stays what it was,
 * and the result can go through {@link ResettableModule#rewrite} as it is. A module without such an instruction is
 * returned unchanged (the same array).
 *
 * <p>It understands WebAssembly 2.0 plus tail calls, SIMD (including relaxed SIMD), threads/atomics, exception
 * handling (legacy and {@code try_table}), multiple memories and memory64 encodings. It refuses GC and typed function
 * references (it cannot decode them); malformed bytes are refused with their offset. It validates only what it must
 * decode: the engine validates the result.
 */
public final class NanCanonicalizer {
    /** The canonical f32 NaN (positive, quiet, no payload). */
    public static final int CANONICAL_F32 = 0x7FC0_0000;
    /** The canonical f64 NaN (positive, quiet, no payload). */
    public static final long CANONICAL_F64 = 0x7FF8_0000_0000_0000L;

    /** What a site produces. */
    private static final int KIND_F32 = 1, KIND_F64 = 2, KIND_F32X4 = 3, KIND_F64X2 = 4;

    /** Per single-byte opcode: the kind of NaN a canonicalised instruction produces, or 0. */
    private static final byte[] SCALAR_SITE = new byte[256];
    /**
     * Single-byte opcodes whose result does not depend on which NaN their (top) operand is: drop, the f32/f64
     * comparisons, the trapping float-to-integer truncations, and the canonicalised operations themselves.
     */
    private static final boolean[] IGNORES_PAYLOAD = new boolean[256];

    static {
        for (int op = 0x8D; op <= 0x97; op++) { // f32 ceil floor trunc nearest sqrt add sub mul div min max
            SCALAR_SITE[op] = KIND_F32;
        }
        SCALAR_SITE[0xB6] = KIND_F32; // f32.demote_f64
        for (int op = 0x9B; op <= 0xA5; op++) { // f64 ceil floor trunc nearest sqrt add sub mul div min max
            SCALAR_SITE[op] = KIND_F64;
        }
        SCALAR_SITE[0xBB] = KIND_F64; // f64.promote_f32
        for (int op = 0; op < 256; op++) {
            IGNORES_PAYLOAD[op] = SCALAR_SITE[op] != 0;
        }
        IGNORES_PAYLOAD[0x1A] = true; // drop
        for (int op = 0x5B; op <= 0x66; op++) { // f32/f64 eq ne lt gt le ge
            IGNORES_PAYLOAD[op] = true;
        }
        for (int op : new int[] {0xA8, 0xA9, 0xAA, 0xAB, 0xAE, 0xAF, 0xB0, 0xB1}) { // iNN.trunc_fMM_s/u (trap on NaN)
            IGNORES_PAYLOAD[op] = true;
        }
    }

    /**
     * Binary single-byte opcodes whose result does not depend on which NaN their first operand is: the f32/f64
     * comparisons and the canonicalised binary operations ({@code copysign} is not one: it keeps its first operand's
     * payload).
     */
    private static final boolean[] BINARY_IGNORES_PAYLOAD = new boolean[256];

    static {
        for (int op = 0x5B; op <= 0x66; op++) {
            BINARY_IGNORES_PAYLOAD[op] = true;
        }
        for (int op = 0x92; op <= 0x97; op++) { // f32 add sub mul div min max
            BINARY_IGNORES_PAYLOAD[op] = true;
        }
        for (int op = 0xA0; op <= 0xA5; op++) { // f64 add sub mul div min max
            BINARY_IGNORES_PAYLOAD[op] = true;
        }
    }

    /** SIMD (0xFD) sub-opcodes that are sites, and their kind. */
    private static final Map<Integer, Integer> SIMD_SITE = new HashMap<>();

    static {
        for (int sub : new int[] {
            0x67, 0x68, 0x69, 0x6A, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0x5E, 0x105, 0x106, 0x10D, 0x10E
        }) { // f32x4 ceil floor trunc nearest sqrt add sub mul div min max, demote_f64x2_zero, relaxed
            SIMD_SITE.put(sub, KIND_F32X4);
        }
        for (int sub : new int[] {
            0x74, 0x75, 0x7A, 0x94, 0xEF, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0x5F, 0x107, 0x108, 0x10F, 0x110
        }) { // f64x2 ceil floor trunc nearest sqrt add sub mul div min max, promote_low_f32x4, relaxed
            SIMD_SITE.put(sub, KIND_F64X2);
        }
    }

    private NanCanonicalizer() {}

    /**
     * Canonicalises every NaN-producing instruction of a module.
     *
     * @param moduleName for messages
     * @return the canonicalised module, or {@code wasm} itself when it has no NaN-producing instruction
     * @throws JshrewException {@link ErrorCode#MODULE_INVALID} when the bytes are malformed where this pass must read
     *     them (naming the module, the offset and, in code, the function), or use GC / typed function references
     */
    public static byte[] canonicalize(String moduleName, byte[] wasm) {
        Objects.requireNonNull(moduleName, "moduleName");
        Objects.requireNonNull(wasm, "wasm");
        try {
            return run(wasm).bytes();
        } catch (Malformed e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    "module " + moduleName + ": malformed WebAssembly at offset " + e.offset + " (0x"
                            + Integer.toHexString(e.offset) + "): " + e.getMessage());
        } catch (Refused e) {
            throw new JshrewException(ErrorCode.MODULE_INVALID, "module " + moduleName + ": " + e.getMessage());
        }
    }

    /**
     * The outcome of a pass, for tests and reports.
     *
     * @param bytes the module (the input array itself when nothing changed)
     * @param sites NaN-producing instructions found
     * @param checks canonicalisations inserted ({@code sites} minus those whose next instruction ignores the payload)
     * @param functions functions changed
     */
    record Result(byte[] bytes, int sites, int checks, int functions) {}

    static Result run(byte[] wasm) {
        return run(wasm, true);
    }

    /** @param elide whether to leave out checks whose consumer cannot tell NaNs apart (off only to measure the rule) */
    static Result run(byte[] wasm, boolean elide) {
        ParsedModule m = ParsedModule.parseForNanPass(wasm);
        List<Integer> paramCounts = m.typeParamCounts;
        List<Integer> funcTypes = m.funcTypes;
        int funcImports = m.funcImports;
        Section code = m.codeSection();
        if (code == null) {
            return new Result(wasm, 0, 0, 0);
        }
        WasmReader s = new WasmReader(wasm, code.start(), code.end());
        int bodies = s.count();
        int firstBody = s.pos();
        int declared = funcTypes.size();
        if (bodies != declared) {
            throw new Malformed(
                    code.start(), "function and code section counts differ (" + declared + " vs " + bodies + ")");
        }
        WasmWriter newCode = null;
        int sites = 0, checks = 0, functions = 0;
        for (int i = 0; i < bodies; i++) {
            int entryStart = s.pos();
            int len = s.count();
            WasmReader b = s.slice(len);
            int type = funcTypes.get(i);
            if (type < 0 || type >= paramCounts.size()) {
                throw new Malformed(
                        code.start(),
                        "function " + (funcImports + i) + ": type index " + Integer.toUnsignedString(type)
                                + " out of range");
            }
            Body body = new Body(wasm, b, paramCounts.get(type), funcImports + i, m, elide);
            byte[] rewritten = body.rewrite();
            sites += body.sites;
            checks += body.checks;
            if (rewritten != null && newCode == null) { // first change: copy the unchanged bodies before it
                newCode = new WasmWriter(code.end() - code.start() + 4096);
                newCode.u32(bodies);
                newCode.bytes(wasm, firstBody, entryStart - firstBody);
            }
            if (rewritten != null) {
                functions++;
                newCode.u32(rewritten.length).bytes(rewritten);
            } else if (newCode != null) {
                newCode.bytes(wasm, entryStart, s.pos() - entryStart);
            }
        }
        end(s, SEC_CODE);
        if (newCode == null) {
            return new Result(wasm, sites, 0, 0);
        }
        WasmWriter out = new WasmWriter(wasm.length + newCode.size() - (code.end() - code.start()) + 16);
        out.bytes(wasm, 0, 8);
        for (Section sec : m.sections) {
            if (sec == code) {
                out.u8(SEC_CODE).sized(newCode);
            } else if (sec.id() != SEC_CUSTOM || !holdsCodeOffsets(wasm, sec)) {
                out.bytes(wasm, sec.header(), sec.end() - sec.header());
            }
        }
        return new Result(out.toByteArray(), sites, checks, functions);
    }

    private static void end(WasmReader s, int id) {
        if (!s.atEnd()) {
            throw new Malformed(s.pos(), "section " + id + " has " + s.remaining() + " trailing bytes");
        }
    }

    /** Custom sections that refer to code offsets, which move: dropped from a changed module. */
    private static boolean holdsCodeOffsets(byte[] wasm, Section sec) {
        String name;
        try {
            name = new WasmReader(wasm, sec.start(), sec.end()).name();
        } catch (Malformed e) {
            return false; // engines ignore a custom section they cannot read; so does this pass
        }
        return name.startsWith(".debug_")
                || name.equals("sourceMappingURL")
                || name.equals("external_debug_info")
                || name.startsWith("metadata.code.");
    }

    private static final String UNSUPPORTED = ParsedModule.Purpose.NAN_PASS.unsupported;

    /** One function body: decodes every instruction and inserts the checks. */
    private static final class Body {
        private final byte[] wasm;
        private final WasmReader r;
        private final long params;
        private final int func;
        private final ParsedModule module;
        private final boolean elide;
        int sites;
        int checks;
        private WasmWriter out;
        private int runStart;
        private long nextLocal;
        private final WasmWriter decls = new WasmWriter(16);
        private int addedGroups;
        private int f32 = -1, f64 = -1, v128 = -1;

        Body(byte[] wasm, WasmReader r, int params, int func, ParsedModule module, boolean elide) {
            this.elide = elide;
            this.wasm = wasm;
            this.r = r;
            this.params = params;
            this.func = func;
            this.module = module;
        }

        private String who() {
            return module.describeFunction(func);
        }

        private Refused refuse(String what) {
            return new Refused(who() + " uses " + what + UNSUPPORTED);
        }

        /** The new body (locals and code, without its size), or null when it has no check to insert. */
        byte[] rewrite() {
            int groups = r.count();
            int localsStart = r.pos();
            long locals = params;
            for (int g = 0; g < groups; g++) {
                int countPos = r.pos();
                locals += Integer.toUnsignedLong(r.u32());
                ParsedModule.anyValType(r, who());
                if (locals > 0xFFFF_FFFFL) {
                    throw new Malformed(countPos, who() + ": too many locals");
                }
            }
            int localsEnd = r.pos();
            nextLocal = locals;
            runStart = localsEnd;
            instructions();
            if (out == null) {
                return null;
            }
            out.bytes(wasm, runStart, r.pos() - runStart);
            WasmWriter body = new WasmWriter(out.size() + (localsEnd - localsStart) + 16);
            body.u32(groups + addedGroups);
            body.bytes(wasm, localsStart, localsEnd - localsStart);
            body.bytes(decls);
            body.bytes(out);
            return body.toByteArray();
        }

        private int scratch(int type) {
            if (nextLocal > 0xFFFF_FFFFL) {
                throw new Refused(who() + " has too many locals to add a scratch local");
            }
            int index = (int) nextLocal++;
            decls.u32(1).u8(type);
            addedGroups++;
            return index;
        }

        /**
         * Whether the value just produced is next consumed by an instruction that cannot tell one NaN from another
         * (see the class comment): the next instruction, or a binary one right after a single {@code local.get},
         * {@code global.get} or constant (which pushes the other operand and cannot trap or branch).
         */
        private boolean nextIgnoresPayload() {
            int pos = r.pos();
            int end = r.end();
            int pushed = 0;
            while (pos < end && pushed < 2) {
                int op = wasm[pos] & 0xFF;
                if (op == 0x20 || op == 0x23 || op == 0x41 || op == 0x42) { // local.get, global.get, i32/i64.const
                    pos = afterLeb(pos + 1, end);
                } else if (op == 0x43 || op == 0x44) {
                    pos += op == 0x43 ? 5 : 9;
                } else {
                    break;
                }
                pushed++;
            }
            if (pos >= end) {
                return false;
            }
            int op = wasm[pos] & 0xFF;
            if (pushed == 1) {
                return BINARY_IGNORES_PAYLOAD[op];
            }
            if (pushed > 1) {
                return false;
            }
            // 0xFC 0..7: iNN.trunc_sat_fMM_s/u (NaN gives 0)
            return IGNORES_PAYLOAD[op] || (op == 0xFC && pos + 1 < end && (wasm[pos + 1] & 0xFF) <= 7);
        }

        /** The position after a LEB128 starting at {@code pos} (or {@code end} if it runs past it). */
        private int afterLeb(int pos, int end) {
            while (pos < end && (wasm[pos] & 0x80) != 0) {
                pos++;
            }
            return Math.min(pos + 1, end);
        }

        /** Inserts the check after the instruction just decoded (the cursor is right after it). */
        private void site(int kind) {
            sites++;
            if (elide && kind <= KIND_F64 && nextIgnoresPayload()) {
                return;
            }
            checks++;
            if (out == null) {
                out = new WasmWriter(r.end() - runStart + 256);
            }
            out.bytes(wasm, runStart, r.pos() - runStart);
            runStart = r.pos();
            switch (kind) {
                case KIND_F32 -> {
                    int t = f32 >= 0 ? f32 : (f32 = scratch(F32));
                    out.u8(0x22).u32(t); // local.tee $t
                    out.u8(0x43).bytes(le(CANONICAL_F32, 4)); // f32.const canonical
                    out.u8(0x20).u32(t).u8(0x20).u32(t).u8(0x5B); // local.get $t, local.get $t, f32.eq
                    out.u8(0x1B); // select: $t if $t == $t, else canonical
                }
                case KIND_F64 -> {
                    int t = f64 >= 0 ? f64 : (f64 = scratch(F64));
                    out.u8(0x22).u32(t);
                    out.u8(0x44).bytes(le(CANONICAL_F64, 8));
                    out.u8(0x20).u32(t).u8(0x20).u32(t).u8(0x61); // f64.eq
                    out.u8(0x1B);
                }
                default -> {
                    int t = v128 >= 0 ? v128 : (v128 = scratch(V128));
                    out.u8(0x22).u32(t);
                    out.u8(0xFD).u32(0x0C); // v128.const canonical lanes
                    for (int lane = 0; lane < (kind == KIND_F32X4 ? 4 : 2); lane++) {
                        out.bytes(kind == KIND_F32X4 ? le(CANONICAL_F32, 4) : le(CANONICAL_F64, 8));
                    }
                    out.u8(0x20).u32(t).u8(0x20).u32(t);
                    out.u8(0xFD).u32(kind == KIND_F32X4 ? 0x41 : 0x47); // f32x4.eq / f64x2.eq: all ones where not NaN
                    out.u8(0xFD).u32(0x52); // v128.bitselect($t, canonical, mask)
                }
            }
        }

        private static byte[] le(long v, int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) (v >>> (8 * i));
            }
            return b;
        }

        private void instructions() {
            int depth = 0;
            while (true) {
                if (r.atEnd()) {
                    throw new Malformed(r.pos(), who() + ": body ends without 'end'");
                }
                int at = r.pos();
                int op = r.u8();
                int kind = SCALAR_SITE[op];
                if (kind != 0) {
                    site(kind);
                    continue;
                }
                switch (op) {
                    case 0x00, 0x01, 0x05, 0x0A, 0x0F, 0x19, 0x1A, 0x1B, 0xD1 -> {}
                    case 0x02, 0x03, 0x04, 0x06 -> { // block, loop, if, try
                        blockType();
                        depth++;
                    }
                    case 0x1F -> { // try_table blocktype (catch clause)*
                        blockType();
                        int n = r.count();
                        for (int i = 0; i < n; i++) {
                            int clausePos = r.pos();
                            int clause = r.u8();
                            switch (clause) {
                                case 0, 1 -> {
                                    r.u32();
                                    r.u32();
                                }
                                case 2, 3 -> r.u32();
                                default -> throw new Malformed(clausePos, who() + ": bad catch clause " + clause);
                            }
                        }
                        depth++;
                    }
                    case 0x0B -> {
                        if (depth == 0) {
                            if (!r.atEnd()) {
                                throw new Malformed(
                                        r.pos(), who() + ": " + r.remaining() + " bytes after the final 'end'");
                            }
                            return;
                        }
                        depth--;
                    }
                    case 0x18 -> { // delegate label: ends its try
                        r.u32();
                        if (depth == 0) {
                            throw new Malformed(at, who() + ": 'delegate' outside a 'try'");
                        }
                        depth--;
                    }
                    // one index: catch, throw, rethrow, br, br_if, call, return_call, local.*, global.*, table.get/set,
                    // ref.func
                    case 0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x12, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2 ->
                        r.u32();
                    case 0x0E -> {
                        int n = r.count();
                        for (int i = 0; i <= n; i++) {
                            r.u32();
                        }
                    }
                    case 0x11, 0x13 -> { // call_indirect, return_call_indirect: type, table
                        r.u32();
                        r.u32();
                    }
                    case 0x1C -> {
                        int n = r.count();
                        for (int i = 0; i < n; i++) {
                            ParsedModule.anyValType(r, who());
                        }
                    }
                    case 0x3F, 0x40 -> r.u32(); // memory.size / memory.grow memory
                    case 0x41 -> r.signed(32);
                    case 0x42 -> r.signed(64);
                    case 0x43 -> r.skip(4);
                    case 0x44 -> r.skip(8);
                    case 0xD0 -> heapType();
                    case 0xFC -> prefixFC();
                    case 0xFD -> prefixFD();
                    case 0xFE -> prefixFE();
                    case 0x14 -> throw refuse("typed function references (call_ref)");
                    case 0x15 -> throw refuse("typed function references (return_call_ref)");
                    case 0xD3, 0xD4, 0xD5, 0xD6 ->
                        throw refuse("GC / typed function references (opcode 0x" + Integer.toHexString(op) + ")");
                    case 0xFB -> throw refuse("GC instructions (0xFB prefix)");
                    default -> {
                        if (op >= 0x28 && op <= 0x3E) {
                            memArg();
                        } else if (op < 0x45 || op > 0xC4) {
                            throw new Malformed(at, who() + ": unknown opcode 0x" + Integer.toHexString(op));
                        } // else: a numeric instruction without immediates
                    }
                }
            }
        }

        private void blockType() {
            int pos = r.pos();
            int b = r.peek();
            if ((b & 0x80) == 0 && (b & 0x40) != 0) { // a one-byte negative s33: empty or a value type
                if (b == 0x40) {
                    r.u8();
                } else {
                    ParsedModule.anyValType(r, who());
                }
                return;
            }
            long index = r.signed(33);
            if (index < 0) {
                throw new Malformed(pos, who() + ": bad block type");
            }
        }

        private void heapType() {
            int pos = r.pos();
            int t = r.peek();
            if (t == FUNCREF || t == EXTERNREF || t == EXNREF) {
                r.u8();
                return;
            }
            if ((t >= 0x65 && t <= 0x74) || (t & 0x40) == 0 || (t & 0x80) != 0) {
                throw refuse("a GC / typed reference heap type (ref.null 0x" + Integer.toHexString(t) + ")");
            }
            throw new Malformed(pos, who() + ": bad heap type 0x" + Integer.toHexString(t));
        }

        /** align (with bit 6: a memory index follows), then the offset (64 bits with memory64). */
        private void memArg() {
            int align = r.u32();
            if ((align & 0x40) != 0) {
                r.u32();
            }
            r.skipLeb(10, who());
        }

        private void prefixFC() {
            int subPos = r.pos();
            int sub = r.u32();
            switch (sub) {
                case 0, 1, 2, 3, 4, 5, 6, 7 -> {} // trunc_sat
                case 8,
                        10,
                        12,
                        14 -> { // memory.init seg mem, memory.copy dst src, table.init seg table, table.copy dst src
                    r.u32();
                    r.u32();
                }
                case 9, 11, 13, 15, 16, 17 -> r.u32(); // data.drop, memory.fill, elem.drop, table.grow/size/fill
                default ->
                    throw new Malformed(subPos, who() + ": unknown instruction 0xFC " + Integer.toUnsignedString(sub));
            }
        }

        private void prefixFE() {
            int subPos = r.pos();
            int sub = r.u32();
            if (sub == 0x03) { // atomic.fence: a zero byte
                r.u8();
            } else if ((sub >= 0x00 && sub <= 0x02) || (sub >= 0x10 && sub <= 0x4E)) {
                memArg();
            } else {
                throw new Malformed(subPos, who() + ": unknown instruction 0xFE " + Integer.toUnsignedString(sub));
            }
        }

        private void prefixFD() {
            int subPos = r.pos();
            int sub = r.u32();
            if ((sub >= 0x00 && sub <= 0x0B) || sub == 0x5C || sub == 0x5D) { // loads, store, load_zero
                memArg();
            } else if (sub == 0x0C || sub == 0x0D) { // v128.const, i8x16.shuffle
                r.skip(16);
            } else if (sub >= 0x15 && sub <= 0x22) { // extract_lane / replace_lane
                r.u8();
            } else if (sub >= 0x54 && sub <= 0x5B) { // load/store lane
                memArg();
                r.u8();
            } else if (sub < 0 || sub > 0x113) {
                throw new Malformed(subPos, who() + ": unknown instruction 0xFD " + Integer.toUnsignedString(sub));
            } else {
                Integer kind = SIMD_SITE.get(sub);
                if (kind != null) {
                    site(kind);
                }
            }
        }
    }
}
