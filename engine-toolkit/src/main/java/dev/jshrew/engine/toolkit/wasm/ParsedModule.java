package dev.jshrew.engine.toolkit.wasm;

import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.engine.toolkit.wasm.WasmReader.Malformed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A WebAssembly core module, decoded for one of three purposes ({@link Purpose}):
 * <ul>
 *   <li>{@link #parse} (the rewrite): every section is decoded (custom sections are kept as opaque bytes with their
 *       position), function bodies are kept as byte ranges for {@link BodyRewriter}. Features the in-place reset
 *       cannot support are refused here ({@link Refused});</li>
 *   <li>{@link #parseInterface} ({@link ModuleFacts}): only the module's interface is decoded (types, imports,
 *       functions, memory, exports, start, and the code section's framing); the other sections are only framed, and
 *       nothing is refused for the reset's sake: features the engines themselves accept (SIMD, imported memories and
 *       tables, exception tags, shared memory) are read;</li>
 *   <li>{@link #parseForNanPass} ({@link NanCanonicalizer}): only what the NaN pass needs to rewrite code (types,
 *       imports, functions) is decoded, with the pass's own rules: every other section, custom ones included, is
 *       framed only (in any order; only a second code section is refused), the code section is left to the pass,
 *       and nothing is cross-checked. Value types include {@code exnref}, limits may be 64-bit, shared or have a
 *       custom page size; GC and typed references are refused in the pass's words.</li>
 * </ul>
 * Malformed bytes (and, for the interface, what it cannot represent) throw {@link Malformed}.
 */
final class ParsedModule {
    static final int SEC_CUSTOM = 0,
            SEC_TYPE = 1,
            SEC_IMPORT = 2,
            SEC_FUNCTION = 3,
            SEC_TABLE = 4,
            SEC_MEMORY = 5,
            SEC_GLOBAL = 6,
            SEC_EXPORT = 7,
            SEC_START = 8,
            SEC_ELEMENT = 9,
            SEC_CODE = 10,
            SEC_DATA = 11,
            SEC_DATA_COUNT = 12,
            SEC_TAG = 13;

    /** Canonical order of the non-custom sections (the tag section sits between memory and global). */
    static final int[] ORDER = {
        SEC_TYPE,
        SEC_IMPORT,
        SEC_FUNCTION,
        SEC_TABLE,
        SEC_MEMORY,
        SEC_TAG,
        SEC_GLOBAL,
        SEC_EXPORT,
        SEC_START,
        SEC_ELEMENT,
        SEC_DATA_COUNT,
        SEC_CODE,
        SEC_DATA
    };

    static final int I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C, V128 = 0x7B, FUNCREF = 0x70, EXTERNREF = 0x6F;

    record Import(String module, String name, int kind, int typeIndex) {}

    record Table(int refType, byte[] raw) {}

    record Global(int valType, boolean mutable, byte[] init) {}

    record Export(String name, int kind, int index) {}

    enum Mode {
        ACTIVE,
        PASSIVE,
        DECLARATIVE
    }

    /** What a parse is for: it decides which sections are decoded, what is refused and how refusals end. */
    enum Purpose {
        REWRITE(", which in-place reset does not support; use --reset fresh"),
        INTERFACE(""),
        NAN_PASS(", which NaN canonicalisation does not support");

        /** The end of a {@link Refused} message for this purpose. */
        final String unsupported;

        Purpose(String unsupported) {
            this.unsupported = unsupported;
        }
    }

    /** The exception-handling reference type, a value type only for {@link Purpose#NAN_PASS}. */
    static final int EXNREF = 0x69;

    /**
     * An element segment. {@code funcs} holds function indices (flavours 0–3, already renumbered), {@code exprs}
     * holds constant expressions (flavours 4–7, already renumbered, each ending with {@code end}).
     */
    record Element(int flavour, Mode mode, int table, byte[] offset, int refType, int[] funcs, List<byte[]> exprs) {
        int length() {
            return funcs != null ? funcs.length : exprs.size();
        }
    }

    /** A data segment: {@code raw} is the whole original entry, {@code payload} its bytes. */
    record Data(Mode mode, byte[] offset, byte[] raw, byte[] payload) {}

    /** A function body's byte range (after its size) in the module. */
    record Body(int start, int end) {}

    /** A custom section and the id of the last non-custom section before it (0: before every section). */
    record Custom(int after, String name, byte[] content) {}

    /** A section as it stands in the binary: its id byte at {@code header}, its contents in {@code [start, end)}. */
    record Section(int id, int header, int start, int end) {
        /** A reader over the section's contents. */
        WasmReader reader(byte[] wasm) {
            return new WasmReader(wasm, start, end);
        }
    }

    /**
     * The one framing of a module's sections, shared by every pass over a binary ({@link ParsedModule},
     * {@link NanCanonicalizer}): checks the header (magic, version) when created, then yields each section (custom
     * ones included) in binary order, one at a time, so a pass meets framing errors where it reaches them.
     */
    static final class Sections {
        private final WasmReader r;

        /** @param component what to throw for a WebAssembly component (its version field differs) */
        Sections(byte[] wasm, java.util.function.Supplier<RuntimeException> component) {
            r = new WasmReader(wasm);
            if (r.remaining() < 8) {
                throw new Malformed(0, "too short to be a WebAssembly module");
            }
            int m0 = r.u8(), m1 = r.u8(), m2 = r.u8(), m3 = r.u8();
            if (m0 != 0x00 || m1 != 0x61 || m2 != 0x73 || m3 != 0x6D) {
                throw new Malformed(0, "bad magic (not a WebAssembly binary)");
            }
            int v0 = r.u8(), v1 = r.u8(), v2 = r.u8(), v3 = r.u8();
            if (v0 == 0x0D && v2 == 0x01 && v3 == 0x00) {
                throw component.get();
            }
            if (v0 != 1 || v1 != 0 || v2 != 0 || v3 != 0) {
                throw new Malformed(4, "unsupported binary version " + v0 + "." + v1 + "." + v2 + "." + v3);
            }
        }

        boolean hasNext() {
            return !r.atEnd();
        }

        /** The next section: its id, and its size checked against what is left of the module. */
        Section next() {
            int header = r.pos();
            int id = r.u8();
            int size = r.count();
            WasmReader s = r.slice(size);
            return new Section(id, header, s.pos(), s.end());
        }
    }

    final byte[] wasm;
    /** Whether this parse is for the rewrite (everything decoded, unsupported features refused). */
    private final boolean forRewrite;
    /** Whether this parse is for the NaN pass ({@link Purpose#NAN_PASS}). */
    private final boolean nanPass;

    private final Purpose purpose;
    /** Every section, custom ones included, in binary order. */
    final List<Section> sections = new ArrayList<>();
    /** Every function type, by type index. */
    final List<FunctionSignature> types = new ArrayList<>();
    /** Parameter counts per type index. */
    final List<Integer> typeParamCounts = new ArrayList<>();

    byte[] typeEntries = new byte[0];
    final List<Import> imports = new ArrayList<>();
    byte[] importEntries = new byte[0];
    int funcImports;
    int globalImports;
    /** Imported memories (only with {@link #parseInterface}: the rewrite refuses them). */
    int memImports;

    final List<Integer> funcTypes = new ArrayList<>();
    final List<Table> tables = new ArrayList<>();
    boolean hasMemory;
    /** The limits flags of the module's own memory (bit 0: has a maximum, bit 1: shared). */
    int memFlags;

    int memInitial;
    /** The declared maximum, or -1. */
    long memMax = -1;

    final List<Global> globals = new ArrayList<>();
    final List<Export> exports = new ArrayList<>();
    /** The start function (original index), or -1. */
    int start = -1;

    final List<Element> elements = new ArrayList<>();
    int dataCount = -1;
    final List<Body> bodies = new ArrayList<>();
    final List<Data> data = new ArrayList<>();
    final List<Custom> customs = new ArrayList<>();
    /** Function names from the name section (original indices), for messages; read when a message first needs one. */
    private Map<Integer, String> functionNames;

    final java.util.Set<Integer> present = new java.util.HashSet<>();

    private ParsedModule(byte[] wasm, Purpose purpose) {
        this.wasm = wasm;
        this.purpose = purpose;
        this.forRewrite = purpose == Purpose.REWRITE;
        this.nanPass = purpose == Purpose.NAN_PASS;
    }

    /** How many function imports the rewrite inserts after the module's own (the grow hook and the fast calls). */
    private int addedImports = 1;

    /** Renumbers a function index for the added imports (inserted after the module's own function imports). */
    int renumber(int func) {
        return Integer.compareUnsigned(func, funcImports) < 0 ? func : func + addedImports;
    }

    int functionCount() {
        return funcImports + funcTypes.size();
    }

    String describeFunction(int index) {
        if (functionNames == null) {
            functionNames = new HashMap<>();
            for (Section section : sections) {
                if (section.id() == SEC_CUSTOM) {
                    readFunctionNames(section);
                }
            }
        }
        String name = functionNames.get(index);
        return "function " + index + (name != null ? " (" + name + ")" : "");
    }

    /** Decodes every section for the rewrite, refusing what the in-place reset cannot support. */
    static ParsedModule parse(byte[] wasm) {
        return parse(wasm, 1);
    }

    /**
     * As {@link #parse(byte[])}, for a rewrite that inserts {@code addedImports} function imports after the module's
     * own (function indices in element segments and constant expressions are renumbered while parsing).
     */
    static ParsedModule parse(byte[] wasm, int addedImports) {
        ParsedModule m = new ParsedModule(wasm, Purpose.REWRITE);
        m.addedImports = addedImports;
        m.parseAll();
        return m;
    }

    /** Decodes the module's interface only, refusing nothing for the reset's sake (see the class comment). */
    static ParsedModule parseInterface(byte[] wasm) {
        ParsedModule m = new ParsedModule(wasm, Purpose.INTERFACE);
        m.parseAll();
        return m;
    }

    /**
     * Decodes types, imports and functions for {@link NanCanonicalizer} and frames every section (see the class
     * comment); the pass reads the code section from {@link #sections} itself.
     */
    static ParsedModule parseForNanPass(byte[] wasm) {
        ParsedModule m = new ParsedModule(wasm, Purpose.NAN_PASS);
        m.parseAll();
        return m;
    }

    /** The module's code section, or null. */
    Section codeSection() {
        for (Section section : sections) {
            if (section.id() == SEC_CODE) {
                return section;
            }
        }
        return null;
    }

    private void parseAll() {
        Sections framing = new Sections(wasm, () -> switch (purpose) {
            case REWRITE -> new Refused("is a WebAssembly component, not a core module");
            case INTERFACE -> new Malformed(4, "is a WebAssembly component, not a core module");
            case NAN_PASS -> new Malformed(4, "a WebAssembly component, not a core module");
        });
        int lastOrder = -1;
        int lastId = 0;
        int codeCount = -1;
        while (framing.hasNext()) {
            Section section = framing.next();
            sections.add(section);
            int idPos = section.header();
            int id = section.id();
            WasmReader s = section.reader(wasm);
            if (nanPass) {
                if (id == SEC_CODE && present.contains(SEC_CODE)) {
                    throw new Malformed(idPos, "duplicate code section");
                }
                present.add(id);
                if (!NAN_PASS_SECTIONS.contains(id)) {
                    continue; // framed only, in any order: copied as it is
                }
            } else {
                if (id == SEC_CUSTOM) {
                    String name = s.name();
                    byte[] content = s.bytes(s.remaining());
                    customs.add(new Custom(lastId, name, content));
                    continue;
                }
                int order = orderOf(id);
                if (order < 0) {
                    throw new Malformed(idPos, "unknown section id " + id);
                }
                if (order <= lastOrder) {
                    throw new Malformed(idPos, "section id " + id + " out of order or duplicated");
                }
                lastOrder = order;
                lastId = id;
                present.add(id);
            }
            if (purpose == Purpose.INTERFACE && !INTERFACE_SECTIONS.contains(id)) {
                s.skip(s.remaining()); // framed only: the engine validates it
                continue;
            }
            switch (id) {
                case SEC_TYPE -> parseTypes(s);
                case SEC_IMPORT -> parseImports(s);
                case SEC_FUNCTION -> {
                    funcTypes.clear(); // the NaN pass frames in any order: the last function section counts
                    int n = s.count();
                    for (int i = 0; i < n; i++) {
                        funcTypes.add(s.count());
                    }
                }
                case SEC_TABLE -> parseTables(s);
                case SEC_MEMORY -> parseMemories(s);
                case SEC_TAG ->
                    throw new Refused("uses exception handling (tag section), which in-place reset does "
                            + "not support; use --reset fresh");
                case SEC_GLOBAL -> parseGlobals(s);
                case SEC_EXPORT -> parseExports(s);
                case SEC_START -> start = s.count();
                case SEC_ELEMENT -> parseElements(s);
                case SEC_DATA_COUNT -> dataCount = s.count();
                case SEC_CODE -> {
                    codeCount = s.count();
                    for (int i = 0; i < codeCount; i++) {
                        int len = s.count();
                        WasmReader b = s.slice(len);
                        bodies.add(new Body(b.pos(), b.end()));
                    }
                }
                case SEC_DATA -> parseData(s);
                default -> throw new Malformed(idPos, "unknown section id " + id);
            }
            if (!s.atEnd()) {
                throw new Malformed(s.pos(), "section " + id + " has " + s.remaining() + " trailing bytes");
            }
        }
        if (nanPass) {
            return; // the pass checks what it uses, as it uses it
        }
        if (funcTypes.size() != Math.max(codeCount, 0)) {
            throw new Malformed(
                    wasm.length,
                    "function and code section counts differ (" + funcTypes.size() + " vs " + Math.max(codeCount, 0)
                            + ")");
        }
        if (dataCount >= 0 && dataCount != data.size()) {
            throw new Malformed(wasm.length, "data count " + dataCount + " but " + data.size() + " data segments");
        }
        for (int t : funcTypes) {
            if (t < 0 || t >= typeParamCounts.size()) {
                throw new Malformed(
                        wasm.length, "function type index " + Integer.toUnsignedString(t) + " out of range");
            }
        }
        for (Import i : imports) {
            if (i.kind() == 0x00 && i.typeIndex() >= typeParamCounts.size()) {
                throw new Malformed(
                        wasm.length,
                        "import " + i.module() + "." + i.name() + ": type index " + i.typeIndex() + " out of range");
            }
        }
        for (Export e : exports) {
            if (e.kind() == 0 && e.index() >= functionCount()) {
                throw new Malformed(
                        wasm.length, "export '" + e.name() + "' names function " + e.index() + ", out of range");
            }
        }
        if (start >= 0 && start >= functionCount()) {
            throw new Malformed(wasm.length, "start function " + start + " out of range");
        }
    }

    /** The sections {@link #parseInterface} decodes; it only frames the others. */
    private static final java.util.Set<Integer> INTERFACE_SECTIONS =
            java.util.Set.of(SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_MEMORY, SEC_EXPORT, SEC_START, SEC_CODE);

    /** The sections {@link #parseForNanPass} decodes; it only frames the others. */
    private static final java.util.Set<Integer> NAN_PASS_SECTIONS =
            java.util.Set.of(SEC_TYPE, SEC_IMPORT, SEC_FUNCTION);

    /** Position of a non-custom section id in {@link #ORDER}, or -1 for an unknown id. */
    static int orderOf(int id) {
        for (int i = 0; i < ORDER.length; i++) {
            if (ORDER[i] == id) {
                return i;
            }
        }
        return -1;
    }

    /** Reads a value type byte, refusing SIMD and typed references. */
    static int valType(WasmReader r, String where) {
        int pos = r.pos();
        int t = r.u8();
        switch (t) {
            case I32, I64, F32, F64, FUNCREF, EXTERNREF -> {
                return t;
            }
            case V128 ->
                throw new Refused(
                        where + " uses SIMD (v128), which in-place reset does not support; use --reset fresh");
            case 0x63, 0x64 ->
                throw new Refused(where + " uses typed function references / GC types, which in-place "
                        + "reset does not support; use --reset fresh");
            default -> {
                if (t >= 0x65 && t <= 0x74) {
                    throw new Refused(where + " uses a GC reference type (0x" + Integer.toHexString(t)
                            + "), which in-place reset does not support; use --reset fresh");
                }
                throw new Malformed(pos, "bad value type 0x" + Integer.toHexString(t));
            }
        }
    }

    /**
     * Reads a value type byte: for the rewrite as {@link #valType}; for the interface, any type {@link ValueType}
     * can represent (SIMD included), anything else being {@link Malformed}.
     */
    private int valueType(WasmReader r, String where) {
        if (forRewrite) {
            return valType(r, where);
        }
        if (nanPass) {
            return anyValType(r, where);
        }
        int pos = r.pos();
        int t = r.u8();
        return switch (t) {
            case I32, I64, F32, F64, V128, FUNCREF, EXTERNREF -> t;
            default -> throw new Malformed(pos, where + ": unsupported value type 0x" + Integer.toHexString(t));
        };
    }

    /**
     * Reads a value type byte for the NaN pass: numeric, vector, funcref, externref, exnref; typed function
     * references and GC types are {@link Refused}.
     */
    static int anyValType(WasmReader r, String where) {
        int pos = r.pos();
        int t = r.u8();
        switch (t) {
            case I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, EXNREF -> {
                return t;
            }
            default -> {
                if (t == 0x63 || t == 0x64 || (t >= 0x65 && t <= 0x74)) {
                    throw new Refused(where + " uses a typed function reference or GC type (0x" + Integer.toHexString(t)
                            + ")" + Purpose.NAN_PASS.unsupported);
                }
                throw new Malformed(pos, where + ": bad value type 0x" + Integer.toHexString(t));
            }
        }
    }

    /** The SPI value type of a value type byte that {@link #valueType} accepted. */
    private static ValueType spiType(int t) {
        return switch (t) {
            case I32 -> ValueType.I32;
            case I64 -> ValueType.I64;
            case F32 -> ValueType.F32;
            case F64 -> ValueType.F64;
            case V128 -> ValueType.V128;
            case FUNCREF -> ValueType.FUNCREF;
            case EXTERNREF -> ValueType.EXTERNREF;
            default -> throw new IllegalArgumentException("value type 0x" + Integer.toHexString(t));
        };
    }

    static int refType(WasmReader r, String where) {
        int pos = r.pos();
        int t = valType(r, where);
        if (t != FUNCREF && t != EXTERNREF) {
            throw new Malformed(pos, "expected a reference type, got 0x" + Integer.toHexString(t));
        }
        return t;
    }

    private void parseTypes(WasmReader s) {
        types.clear(); // the NaN pass frames in any order: the last type section counts
        typeParamCounts.clear();
        int n = s.count();
        int start = s.pos();
        for (int i = 0; i < n; i++) {
            int formPos = s.pos();
            int form = s.u8();
            if (form != 0x60) {
                if (purpose != Purpose.INTERFACE
                        && (form == 0x4E || form == 0x4F || form == 0x50 || form == 0x5E || form == 0x5F)) {
                    throw new Refused(
                            "type " + i + " is a GC type (0x" + Integer.toHexString(form) + ")" + purpose.unsupported);
                }
                throw new Malformed(
                        formPos, "type " + i + ": expected a function type (0x60), got 0x" + Integer.toHexString(form));
            }
            int params = s.count();
            List<ValueType> paramTypes = new ArrayList<>(Math.min(params, 64));
            for (int p = 0; p < params; p++) {
                int t = valueType(s, "type " + i);
                if (!nanPass) {
                    paramTypes.add(spiType(t));
                }
            }
            int results = s.count();
            List<ValueType> resultTypes = new ArrayList<>(Math.min(results, 64));
            for (int p = 0; p < results; p++) {
                int t = valueType(s, "type " + i);
                if (!nanPass) {
                    resultTypes.add(spiType(t));
                }
            }
            typeParamCounts.add(params);
            if (!nanPass) { // exnref has no SPI type; the pass needs only the parameter counts
                types.add(FunctionSignature.of(paramTypes, resultTypes));
            }
        }
        typeEntries = java.util.Arrays.copyOfRange(wasm, start, s.pos());
    }

    private void parseImports(WasmReader s) {
        imports.clear(); // the NaN pass frames in any order: the last import section counts
        funcImports = 0;
        globalImports = 0;
        memImports = 0;
        int n = s.count();
        int start = s.pos();
        for (int i = 0; i < n; i++) {
            String module = s.name();
            String name = s.name();
            int kindPos = s.pos();
            int kind = s.u8();
            String what = module + "." + name;
            if (nanPass && kind != 0x00) {
                nanPassImport(s, kindPos, kind, "import " + i);
                imports.add(new Import(module, name, kind, -1));
                continue;
            }
            switch (kind) {
                case 0x00 -> {
                    int type = nanPass ? s.u32() : s.count();
                    imports.add(new Import(module, name, kind, type));
                    funcImports++;
                }
                case 0x01 -> {
                    if (forRewrite) {
                        throw new Refused("imports a table (" + what
                                + "), which in-place reset cannot restore; use --reset fresh");
                    }
                    int typePos = s.pos();
                    int t = valueType(s, "import " + what);
                    if (t != FUNCREF && t != EXTERNREF) {
                        throw new Malformed(
                                typePos,
                                "import " + what + ": expected a reference type, got 0x" + Integer.toHexString(t));
                    }
                    tableLimits(s, "import " + what);
                    imports.add(new Import(module, name, kind, -1));
                }
                case 0x02 -> {
                    if (forRewrite) {
                        throw new Refused("imports its memory (" + what
                                + "), which in-place reset does not support; use --reset fresh");
                    }
                    memoryLimits(s);
                    imports.add(new Import(module, name, kind, -1));
                    memImports++;
                }
                case 0x03 -> {
                    valueType(s, "import " + what);
                    int mut = s.u8();
                    if (mut == 1 && forRewrite) {
                        throw new Refused("imports a mutable global (" + what
                                + "), which in-place reset cannot restore; use --reset fresh");
                    } else if (mut > 1) {
                        throw new Malformed(s.pos() - 1, "bad global mutability " + mut);
                    }
                    imports.add(new Import(module, name, kind, -1));
                    globalImports++;
                }
                case 0x04 -> {
                    if (forRewrite) {
                        throw new Refused("imports a tag (" + what
                                + "): exception handling, which in-place reset does not support; use --reset fresh");
                    }
                    int attributePos = s.pos();
                    if (s.u8() != 0) {
                        throw new Malformed(attributePos, "import " + what + ": bad tag attribute");
                    }
                    s.count();
                    imports.add(new Import(module, name, kind, -1));
                }
                default -> throw new Malformed(kindPos, "bad import kind " + kind);
            }
        }
        importEntries = java.util.Arrays.copyOfRange(wasm, start, s.pos());
    }

    /**
     * A table, memory, global or tag import for the NaN pass: value types as {@link #anyValType}, limits as
     * {@link #anyLimits}, a global's mutability and a tag's attribute unchecked (the engine validates them).
     */
    private static void nanPassImport(WasmReader s, int kindPos, int kind, String where) {
        switch (kind) {
            case 0x01 -> {
                anyValType(s, where);
                anyLimits(s, where);
            }
            case 0x02 -> anyLimits(s, where);
            case 0x03 -> {
                anyValType(s, where);
                s.u8();
            }
            case 0x04 -> { // tag: attribute, type
                s.u8();
                s.u32();
            }
            default -> throw new Malformed(kindPos, "bad import kind " + kind);
        }
    }

    /** Table or memory limits, including the shared, 64-bit and custom-page-size forms (the NaN pass's rules). */
    private static void anyLimits(WasmReader s, String where) {
        int flagsPos = s.pos();
        int flags = s.u8();
        if ((flags & ~0x0F) != 0) {
            throw new Malformed(flagsPos, where + ": bad limits flags 0x" + Integer.toHexString(flags));
        }
        int width = (flags & 0x04) != 0 ? 10 : 5;
        s.skipLeb(width, where);
        if ((flags & 0x01) != 0) {
            s.skipLeb(width, where);
        }
        if ((flags & 0x08) != 0) {
            s.u32();
        }
    }

    private void parseTables(WasmReader s) {
        int n = s.count();
        for (int i = 0; i < n; i++) {
            int start = s.pos();
            if (s.peek() == 0x40) {
                throw new Refused("table " + i + " has an initialiser expression (typed function references), "
                        + "which in-place reset does not support; use --reset fresh");
            }
            int rt = refType(s, "table " + i);
            tableLimits(s, "table " + i);
            tables.add(new Table(rt, java.util.Arrays.copyOfRange(wasm, start, s.pos())));
        }
    }

    /** Reads a table's limits (of a defined or an imported table); {@code where} names the table for messages. */
    private void tableLimits(WasmReader s, String where) {
        int flagsPos = s.pos();
        int flags = s.u8();
        switch (flags) {
            case 0x00 -> s.u32();
            case 0x01 -> {
                long min = Integer.toUnsignedLong(s.u32());
                long max = Integer.toUnsignedLong(s.u32());
                if (max < min) {
                    throw new Malformed(flagsPos, where + ": maximum below minimum");
                }
            }
            case 0x04, 0x05 -> {
                if (forRewrite) {
                    throw new Refused(
                            where + " is a 64-bit table, which in-place reset does not support; use --reset fresh");
                }
                throw new Malformed(flagsPos, where + ": 64-bit tables are not supported");
            }
            default -> throw new Malformed(flagsPos, where + ": bad limits flags 0x" + Integer.toHexString(flags));
        }
    }

    private void parseMemories(WasmReader s) {
        int countPos = s.pos();
        int n = s.count();
        if (n > 1 || (n == 1 && memImports > 0)) {
            if (forRewrite) {
                throw new Refused("defines " + n
                        + " memories (multiple memories), which in-place reset does not support; use --reset fresh");
            }
            throw new Malformed(countPos, "more than one memory (multiple memories are not supported)");
        }
        if (n == 0) {
            return;
        }
        long[] limits = memoryLimits(s);
        hasMemory = true;
        memFlags = (int) limits[0];
        memInitial = (int) limits[1];
        memMax = limits[2];
    }

    /**
     * Reads a memory's limits (of the defined or an imported memory): {@code [flags, initial, maximum or -1]}. For the
     * interface shared and 64-bit memories and custom page sizes are {@link Malformed}.
     */
    private long[] memoryLimits(WasmReader s) {
        int flagsPos = s.pos();
        int flags = s.u8();
        if ((flags & 0x08) != 0) {
            if (forRewrite) {
                throw new Refused(
                        "declares a custom page size, which in-place reset does not support; use --reset fresh");
            }
            throw new Malformed(flagsPos, "custom page sizes are not supported");
        }
        if ((flags & 0x04) != 0) {
            if (forRewrite) {
                throw new Refused("declares a 64-bit memory (memory64), which in-place reset does not "
                        + "support; use --reset fresh");
            }
            throw new Malformed(flagsPos, "64-bit memories are not supported");
        }
        if ((flags & 0x02) != 0) {
            if (forRewrite) {
                throw new Refused(
                        "declares a shared memory (threads), which in-place reset does not support; use --reset fresh");
            }
            // every engine refuses it the same way (chicory would run it): jshrew guests are single-threaded
            throw new Malformed(flagsPos, "shared memories (threads) are not supported");
        }
        if (flags > 3) {
            throw new Malformed(flagsPos, "bad memory limits flags 0x" + Integer.toHexString(flags));
        }
        int minPos = s.pos();
        long min = Integer.toUnsignedLong(s.u32());
        if (min > 65536) {
            throw new Malformed(minPos, "memory initial size " + min + " pages exceeds 65536");
        }
        long max = -1;
        if ((flags & 0x01) != 0) {
            int maxPos = s.pos();
            max = Integer.toUnsignedLong(s.u32());
            if (max > 65536) {
                throw new Malformed(maxPos, "memory maximum " + max + " pages exceeds 65536");
            }
            if (max < min) {
                throw new Malformed(maxPos, "memory maximum " + max + " below its initial size " + min);
            }
        }
        return new long[] {flags, min, max};
    }

    private void parseGlobals(WasmReader s) {
        int n = s.count();
        for (int i = 0; i < n; i++) {
            int index = globalImports + i;
            int t = valType(s, "global " + index);
            int mutPos = s.pos();
            int mut = s.u8();
            if (mut > 1) {
                throw new Malformed(mutPos, "bad global mutability " + mut);
            }
            globals.add(new Global(t, mut == 1, constExpr(s, "global " + index)));
        }
    }

    private void parseExports(WasmReader s) {
        int n = s.count();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            int pos = s.pos();
            String name = s.name();
            int kind = s.u8();
            if (kind > 4) {
                throw new Malformed(pos, "bad export kind " + kind);
            }
            if (kind == 4 && forRewrite) {
                throw new Refused(
                        "exports a tag (exception handling), which in-place reset does not support; use --reset fresh");
            }
            int index = s.count();
            if (!names.add(name)) {
                throw new Malformed(pos, "duplicate export name '" + name + "'");
            }
            exports.add(new Export(name, kind, index));
        }
    }

    private void parseElements(WasmReader s) {
        int n = s.count();
        for (int i = 0; i < n; i++) {
            String where = "element segment " + i;
            int flagsPos = s.pos();
            int flags = s.u32();
            if (flags < 0 || flags > 7) {
                throw new Malformed(flagsPos, where + ": bad flags " + Integer.toUnsignedString(flags));
            }
            Mode mode = (flags & 1) == 0 ? Mode.ACTIVE : (flags & 2) == 0 ? Mode.PASSIVE : Mode.DECLARATIVE;
            int table = 0;
            byte[] offset = null;
            if (mode == Mode.ACTIVE) {
                if ((flags & 2) != 0) {
                    table = s.count();
                }
                offset = constExpr(s, where);
            }
            boolean exprs = (flags & 4) != 0;
            int refType = FUNCREF;
            if ((flags & 3) != 0) { // flavours 1, 2, 3, 5, 6, 7 carry an elemkind / reftype
                if (exprs) {
                    refType = refType(s, where);
                } else {
                    int kindPos = s.pos();
                    int kind = s.u8();
                    if (kind != 0) {
                        throw new Malformed(kindPos, where + ": bad element kind 0x" + Integer.toHexString(kind));
                    }
                }
            }
            int count = s.count();
            if (exprs) {
                List<byte[]> items = new ArrayList<>(Math.min(count, 1024));
                for (int k = 0; k < count; k++) {
                    items.add(constExpr(s, where));
                }
                elements.add(new Element(flags, mode, table, offset, refType, null, items));
            } else {
                int[] funcs = new int[count];
                for (int k = 0; k < count; k++) {
                    funcs[k] = renumber(s.count());
                }
                elements.add(new Element(flags, mode, table, offset, refType, funcs, null));
            }
        }
    }

    private void parseData(WasmReader s) {
        int n = s.count();
        for (int i = 0; i < n; i++) {
            String where = "data segment " + i;
            int start = s.pos();
            int flags = s.u32();
            Mode mode;
            byte[] offset = null;
            switch (flags) {
                case 0 -> {
                    mode = Mode.ACTIVE;
                    offset = constExpr(s, where);
                }
                case 1 -> mode = Mode.PASSIVE;
                case 2 -> {
                    mode = Mode.ACTIVE;
                    int mem = s.count();
                    if (mem != 0) {
                        throw new Refused(where + " targets memory " + mem
                                + " (multiple memories), which in-place reset does not support; use --reset fresh");
                    }
                    offset = constExpr(s, where);
                }
                default -> throw new Malformed(start, where + ": bad flags " + Integer.toUnsignedString(flags));
            }
            int len = s.count();
            byte[] payload = s.bytes(len);
            data.add(new Data(mode, offset, java.util.Arrays.copyOfRange(wasm, start, s.pos()), payload));
        }
    }

    /**
     * Reads a constant expression up to and including its {@code end} and returns it with function indices
     * renumbered. Accepts the WebAssembly 2.0 constant instructions and the extended-const arithmetic.
     */
    byte[] constExpr(WasmReader s, String where) {
        WasmWriter out = new WasmWriter(16);
        while (true) {
            int pos = s.pos();
            int op = s.u8();
            switch (op) {
                case 0x0B -> {
                    out.u8(op);
                    return out.toByteArray();
                }
                case 0x41 -> out.u8(op).s64(s.signed(32));
                case 0x42 -> out.u8(op).s64(s.signed(64));
                case 0x43 -> out.u8(op).bytes(s.bytes(4));
                case 0x44 -> out.u8(op).bytes(s.bytes(8));
                case 0x23 -> out.u8(op).u32(s.u32());
                case 0xD0 -> out.u8(op).u8(heapType(s, where));
                case 0xD2 -> out.u8(op).u32(renumber(s.count()));
                case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E -> out.u8(op);
                case 0xFD ->
                    throw new Refused(where
                            + " uses SIMD (v128.const), which in-place reset does not support; use --reset fresh");
                case 0xFB ->
                    throw new Refused(
                            where + " uses a GC instruction, which in-place reset does not support; use --reset fresh");
                default ->
                    throw new Malformed(
                            pos,
                            where + ": opcode 0x" + Integer.toHexString(op)
                                    + " is not allowed in a constant expression");
            }
        }
    }

    /** The heap type of {@code ref.null}: funcref or externref (abstract GC heap types are refused). */
    static int heapType(WasmReader s, String where) {
        int pos = s.pos();
        int t = s.peek();
        if (t == FUNCREF || t == EXTERNREF) {
            return s.u8();
        }
        if (t >= 0x65 && t <= 0x74 || t < 0x40 || (t & 0x80) != 0) {
            throw new Refused(where + " uses a GC / typed reference heap type, which in-place reset "
                    + "does not support; use --reset fresh");
        }
        throw new Malformed(pos, "bad heap type 0x" + Integer.toHexString(t));
    }

    /**
     * Best effort: function names for messages from a custom section named {@code name}; a malformed one (its
     * section name included) drops every name read so far.
     */
    private void readFunctionNames(Section section) {
        try {
            WasmReader r = section.reader(wasm);
            if (!r.name().equals("name")) {
                return;
            }
            while (!r.atEnd()) {
                int id = r.u8();
                int size = r.count();
                WasmReader sub = r.slice(size);
                if (id == 1) {
                    int n = sub.count();
                    for (int i = 0; i < n; i++) {
                        int idx = sub.count();
                        functionNames.put(idx, sub.name());
                    }
                }
            }
        } catch (Malformed e) {
            functionNames.clear();
        }
    }
}
