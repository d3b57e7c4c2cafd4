package dev.jshrew.engine.toolkit.wasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.engine.toolkit.wasm.ParsedModule.Data;
import dev.jshrew.engine.toolkit.wasm.ParsedModule.Element;
import dev.jshrew.engine.toolkit.wasm.ParsedModule.Mode;
import dev.jshrew.engine.toolkit.wasm.WasmReader.Malformed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The rewrite behind {@link ResettableModule#rewrite}. Layout of the rewritten module (every addition is appended,
 * so only function indices move):
 * <ul>
 *   <li>types: the module's, then {@code (i32)->i32}, {@code ()->()}, {@code (i32 i32)->()}, {@code (i32 i32
 * i32)->()}, {@code (i64)->i32}, {@code (i64 i32)->i32}, {@code (i32)->i64};</li>
 *   <li>imports: the module's, then {@code jshrew.grow}; it takes function index {@code F} (the number of the module's
 *       function imports); then one per fast call, then the key filter's (if any), then the value table's two (if
 *       any), so every defined function moves up by as many;</li>
 *   <li>functions: the module's (rewritten), then {@code $vgrow}, {@code $oob}, {@code $fill}, {@code $copy},
 *       {@code $grow_physical}, {@code $reset}, then the {@code memory.init}/{@code table.init} helpers;</li>
 *   <li>globals: the module's, then pages, high water, virtual size in bytes (i64), one "dropped" flag per passive
 *       data segment, one per passive element segment;</li>
 *   <li>element segments: the module's, passive copies of the active ones, then empty passive segments (one per
 *       reference type needed) standing in for dropped ones;</li>
 *   <li>data segments: the module's, passive copies of the active ones, then one empty passive segment.</li>
 * </ul>
 */
final class Rewriter implements BodyRewriter.Layout {
    private static final int TYPE_I_I = 0,
            TYPE_V_V = 1,
            TYPE_II_V = 2,
            TYPE_III_V = 3,
            TYPE_L_I = 4,
            TYPE_LI_I = 5,
            TYPE_I_L = 6;
    private static final int GIB_PAGES = 16384, GIB = 0x4000_0000;

    private final ParsedModule m;
    private final int limit;
    private final boolean checkLoadsAndStores;

    private final int typeBase;
    private final int hookFunc;
    private final int vgrowFunc, oobFunc, fillFunc, copyFunc, growPhysicalFunc, resetFunc;
    private final int pagesGlobal, highWaterGlobal, bytesGlobal;
    private final Map<Integer, Integer> dataFlag = new HashMap<>();
    private final Map<Integer, Integer> elemFlag = new HashMap<>();
    private final int globalCount;
    private final Map<Integer, Integer> dataCopy = new HashMap<>();
    private final int emptyData;
    private final Map<Integer, Integer> elemCopy = new HashMap<>();
    private final Map<Integer, Integer> emptyElem = new LinkedHashMap<>(); // refType -> index
    private final int elemBase;

    /** Added functions from index {@link #vgrowFunc} on: type and body (body filled in when built). */
    private final List<int[]> addedTypes = new ArrayList<>();

    private final List<byte[]> addedBodies = new ArrayList<>();
    private final List<String> addedNames = new ArrayList<>();
    private final Map<Integer, Integer> initHelpers = new HashMap<>();
    private int droppedInitHelper = -1;
    private final Map<Long, Integer> tableInitHelpers = new HashMap<>();
    /** Fast-call imports, ascending: the import's own function index; their added imports follow the hook. */
    private final int[] fastCalls;
    /** The added function standing in for each fast-call import, by import function index. */
    private final Map<Integer, Integer> fastWrappers = new HashMap<>();
    /** The cached reads ({@link ResettableModule.Options#cachedReads()}), by length import and by companion. */
    private final Map<Integer, ReadCache> cacheByLength = new HashMap<>(), cacheByCompanion = new HashMap<>();
    /** {@link ResettableModule#FORGET_READS_EXPORT}, or -1 with no cached reads. */
    private final int forgetFunc;
    /** The {@link ResettableModule#KEY_FILTER_IMPORT} import, right after the fast calls', or -1. */
    private final int keyFilterFunc;
    /** The {@link ResettableModule#VALUE_FIND_IMPORT} import, right after the key filter's, or -1; the chunks' next. */
    private final int valueFindFunc;

    /**
     * The added globals of one cached read: the kept key's length ({@code i32}, -1 for none), the value's length
     * ({@code i32}), then {@link #CHUNKS} {@code i64} key chunks and as many value chunks.
     */
    private record ReadCache(int lengthImport, int companion, int keyLength) {
        int valueLength() {
            return keyLength + 1;
        }

        int key(int chunk) {
            return keyLength + 2 + chunk;
        }

        int value(int chunk) {
            return keyLength + 2 + CHUNKS + chunk;
        }
    }

    private static final int CHUNKS = ResettableModule.CACHED_READ_BYTES / 8;

    private Rewriter(
            ParsedModule m,
            int limit,
            boolean checkLoadsAndStores,
            int[] fastCalls,
            Map<Integer, Integer> cached,
            boolean keyFilter,
            boolean valueTable) {
        this.m = m;
        this.limit = limit;
        this.checkLoadsAndStores = checkLoadsAndStores;
        this.fastCalls = fastCalls;
        typeBase = m.typeParamCounts.size();
        hookFunc = m.funcImports;
        keyFilterFunc = keyFilter ? hookFunc + 1 + fastCalls.length : -1;
        valueFindFunc = keyFilter && valueTable ? keyFilterFunc + 1 : -1;
        int base = m.funcImports + addedImports(fastCalls, keyFilter, valueFindFunc >= 0) + m.funcTypes.size();
        vgrowFunc = add(base, TYPE_I_I, "__jshrew_vgrow");
        oobFunc = add(base, TYPE_V_V, "__jshrew_oob");
        fillFunc = add(base, TYPE_III_V, "__jshrew_fill");
        copyFunc = add(base, TYPE_III_V, "__jshrew_copy");
        growPhysicalFunc = add(base, TYPE_I_I, ResettableModule.GROW_PHYSICAL_EXPORT);
        resetFunc = add(base, TYPE_V_V, ResettableModule.RESET_EXPORT);
        for (int f : fastCalls) {
            fastWrappers.put(f, addTyped(base, functionImportType(m, f), "__jshrew_fast_" + f));
        }
        forgetFunc = cached.isEmpty() || !m.hasMemory ? -1 : add(base, TYPE_V_V, ResettableModule.FORGET_READS_EXPORT);

        int g = m.globalImports + m.globals.size();
        pagesGlobal = g++;
        highWaterGlobal = g++;
        bytesGlobal = g++;
        for (int i = 0; i < m.data.size(); i++) {
            if (m.data.get(i).mode() == Mode.PASSIVE) {
                dataFlag.put(i, g++);
            }
        }
        for (int i = 0; i < m.elements.size(); i++) {
            if (m.elements.get(i).mode() == Mode.PASSIVE) {
                elemFlag.put(i, g++);
            }
        }
        if (forgetFunc >= 0) {
            for (var pair : new java.util.TreeMap<>(cached).entrySet()) {
                ReadCache c = new ReadCache(pair.getKey(), pair.getValue(), g);
                g += 2 + 2 * CHUNKS;
                cacheByLength.put(c.lengthImport(), c);
                cacheByCompanion.put(c.companion(), c);
            }
        }
        globalCount = g;

        int d = m.data.size();
        for (int i = 0; i < m.data.size(); i++) {
            if (m.data.get(i).mode() == Mode.ACTIVE) {
                dataCopy.put(i, d++);
            }
        }
        emptyData = d;
        int e = m.elements.size();
        for (int i = 0; i < m.elements.size(); i++) {
            if (m.elements.get(i).mode() == Mode.ACTIVE) {
                elemCopy.put(i, e++);
            }
        }
        elemBase = e;
    }

    private int add(int base, int type, String name) {
        return addTyped(base, typeBase + type, name);
    }

    /** Adds a function of type index {@code type} (of the whole module, not one of the added types). */
    private int addTyped(int base, int type, String name) {
        int index = base + addedTypes.size();
        addedTypes.add(new int[] {type});
        addedBodies.add(null);
        addedNames.add(name);
        return index;
    }

    /** The grow hook, the fast calls, the key filter and the value table's two. */
    private static int addedImports(int[] fastCalls, boolean keyFilter, boolean valueTable) {
        return 1 + fastCalls.length + (keyFilter ? 1 : 0) + (keyFilter && valueTable ? 2 : 0);
    }

    private int addedImports() {
        return addedImports(fastCalls, keyFilterFunc >= 0, valueFindFunc >= 0);
    }

    private int addedBase() {
        return vgrowFunc;
    }

    private void setBody(int func, byte[] body) {
        addedBodies.set(func - addedBase(), body);
    }

    static ResettableModule rewrite(String moduleName, byte[] wasm, ResettableModule.Options options) {
        Objects.requireNonNull(moduleName, "moduleName");
        Objects.requireNonNull(wasm, "wasm");
        Objects.requireNonNull(options, "options");
        try {
            int[] fastCalls = options.fastCalls().stream()
                    .mapToInt(Integer::intValue)
                    .sorted()
                    .toArray();
            boolean keyFilter = options.keyFilter();
            boolean valueTable = options.valueTable();
            ParsedModule m = ParsedModule.parse(wasm, addedImports(fastCalls, keyFilter, valueTable));
            checkSupported(m);
            checkFastCalls(m, fastCalls);
            checkCachedReads(m, options.cachedReads());
            int limit = m.hasMemory ? options.limitPages() : 0;
            if (m.memMax >= 0) {
                limit = (int) Math.min(limit, m.memMax);
            }
            if (m.memInitial > limit) {
                throw new JshrewException(
                        ErrorCode.ENGINE_LIMIT,
                        "module " + moduleName + ": its memory starts at " + m.memInitial
                                + " pages, above the guest limit of " + limit + " pages");
            }
            Rewriter rw = new Rewriter(
                    m,
                    limit,
                    options.checkLoadsAndStores(),
                    fastCalls,
                    options.cachedReads(),
                    keyFilter && m.hasMemory,
                    valueTable);
            byte[] out = rw.build();
            return new ResettableModule(
                    out, m.memInitial, limit, (int) m.memMax, options.checkLoadsAndStores(), m.start >= 0, wasm.length);
        } catch (Malformed e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    "module " + moduleName + ": malformed WebAssembly at offset " + e.offset + " (0x"
                            + Integer.toHexString(e.offset) + "): " + e.getMessage());
        } catch (Refused e) {
            throw new ResettableModule.Unsupported("module " + moduleName + ": " + e.getMessage());
        }
    }

    /** The type index of function import {@code func} (an index among the module's own function imports). */
    private static int functionImportType(ParsedModule m, int func) {
        int k = 0;
        for (ParsedModule.Import im : m.imports) {
            if (im.kind() == 0x00 && k++ == func) {
                return im.typeIndex();
            }
        }
        throw new IllegalArgumentException("no function import " + func);
    }

    private static void checkFastCalls(ParsedModule m, int[] fastCalls) {
        for (int f : fastCalls) {
            if (f < 0 || f >= m.funcImports) {
                throw new IllegalArgumentException("fast call of function " + f + ", which is not a function import");
            }
            int type = functionImportType(m, f);
            if (type >= m.types.size() || !ResettableModule.canCallFast(m.types.get(type))) {
                throw new IllegalArgumentException("fast call of function import " + f + ", whose type "
                        + (type < m.types.size() ? m.types.get(type) : "#" + type) + " cannot be called fast");
            }
        }
    }

    private static void checkCachedReads(ParsedModule m, Map<Integer, Integer> cached) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (var pair : cached.entrySet()) {
            if (!m.types.get(functionImportType(m, pair.getKey())).equals(ResettableModule.CACHED_READ_LENGTH_TYPE)
                    || !m.types
                            .get(functionImportType(m, pair.getValue()))
                            .equals(ResettableModule.CACHED_READ_COMPANION_TYPE)
                    || !seen.add(pair.getKey())
                    || !seen.add(pair.getValue())) {
                throw new IllegalArgumentException("cached read " + pair + ": a length import (i32) -> i32 and a"
                        + " companion (i32 i32) -> (), each in one pair only");
            }
        }
    }

    /** The function a direct call of {@code func} (an original index) goes to in the rewritten module. */
    @Override
    public int callTarget(int func) {
        Integer wrapper = fastWrappers.get(func);
        return wrapper != null ? wrapper : m.renumber(func);
    }

    private static void checkSupported(ParsedModule m) {
        for (ParsedModule.Export e : m.exports) {
            if (e.name().equals(ResettableModule.RESET_EXPORT)
                    || e.name().equals(ResettableModule.GROW_PHYSICAL_EXPORT)
                    || e.name().equals(ResettableModule.PAGES_EXPORT)
                    || e.name().equals(ResettableModule.HIGH_WATER_EXPORT)) {
                throw new Refused("already exports '" + e.name() + "', a name the rewrite adds; use --reset fresh");
            }
        }
        for (ParsedModule.Import i : m.imports) {
            if (i.module().equals(ResettableModule.HOOK_MODULE) && i.name().equals(ResettableModule.GROW_HOOK)) {
                throw new Refused("already imports " + ResettableModule.HOOK_MODULE + "." + ResettableModule.GROW_HOOK
                        + ", the import the rewrite adds; use --reset fresh");
            }
        }
    }

    // ---- Layout for BodyRewriter ----

    @Override
    public int pagesGlobal() {
        return pagesGlobal;
    }

    @Override
    public int virtualBytesGlobal() {
        return bytesGlobal;
    }

    @Override
    public int vgrowFunction() {
        return vgrowFunc;
    }

    @Override
    public int oobFunction() {
        return oobFunc;
    }

    @Override
    public int fillFunction() {
        return fillFunc;
    }

    @Override
    public int copyFunction() {
        return copyFunc;
    }

    @Override
    public boolean checkLoadsAndStores() {
        return checkLoadsAndStores && m.hasMemory;
    }

    @Override
    public boolean hasMemory() {
        return m.hasMemory;
    }

    @Override
    public int memoryInitFunction(int segment) {
        Integer flag = dataFlag.get(segment);
        if (flag == null) { // active: dropped since instantiation, acts as an empty segment
            if (droppedInitHelper < 0) {
                droppedInitHelper = add(addedBase(), TYPE_III_V, "__jshrew_init_dropped");
                WasmWriter w = new WasmWriter();
                w.u32(0);
                checkRange(w, 0, 2);
                w.u8(0x20)
                        .u32(0)
                        .u8(0x20)
                        .u32(1)
                        .u8(0x20)
                        .u32(2)
                        .u8(0xFC)
                        .u32(8)
                        .u32(emptyData)
                        .u8(0);
                w.u8(0x0B);
                setBody(droppedInitHelper, w.toByteArray());
            }
            return droppedInitHelper;
        }
        return initHelpers.computeIfAbsent(segment, seg -> {
            int f = add(addedBase(), TYPE_III_V, "__jshrew_init_" + seg);
            WasmWriter w = new WasmWriter();
            w.u32(0);
            checkRange(w, 0, 2);
            w.u8(0x23).u32(flag).u8(0x04).u8(0x40);
            w.u8(0x20)
                    .u32(0)
                    .u8(0x20)
                    .u32(1)
                    .u8(0x20)
                    .u32(2)
                    .u8(0xFC)
                    .u32(8)
                    .u32(emptyData)
                    .u8(0);
            w.u8(0x05);
            w.u8(0x20)
                    .u32(0)
                    .u8(0x20)
                    .u32(1)
                    .u8(0x20)
                    .u32(2)
                    .u8(0xFC)
                    .u32(8)
                    .u32(seg)
                    .u8(0);
            w.u8(0x0B);
            w.u8(0x0B);
            setBody(f, w.toByteArray());
            return f;
        });
    }

    @Override
    public int dataDroppedGlobal(int segment) {
        Integer flag = dataFlag.get(segment);
        return flag == null ? -1 : flag;
    }

    @Override
    public int tableInitFunction(int segment, int table) {
        Integer flag = elemFlag.get(segment);
        if (flag == null) {
            return -1;
        }
        long key = ((long) segment << 32) | Integer.toUnsignedLong(table);
        return tableInitHelpers.computeIfAbsent(key, k -> {
            int f = add(addedBase(), TYPE_III_V, "__jshrew_table_init_" + segment + "_" + table);
            WasmWriter w = new WasmWriter();
            w.u32(0);
            w.u8(0x23).u32(flag).u8(0x04).u8(0x40);
            w.u8(0x20)
                    .u32(0)
                    .u8(0x20)
                    .u32(1)
                    .u8(0x20)
                    .u32(2)
                    .u8(0xFC)
                    .u32(12)
                    .u32(emptyElementFor(segment))
                    .u32(table);
            w.u8(0x05);
            w.u8(0x20)
                    .u32(0)
                    .u8(0x20)
                    .u32(1)
                    .u8(0x20)
                    .u32(2)
                    .u8(0xFC)
                    .u32(12)
                    .u32(segment)
                    .u32(table);
            w.u8(0x0B);
            w.u8(0x0B);
            setBody(f, w.toByteArray());
            return f;
        });
    }

    @Override
    public int elemDroppedGlobal(int segment) {
        Integer flag = elemFlag.get(segment);
        return flag == null ? -1 : flag;
    }

    @Override
    public int emptyElementFor(int segment) {
        int refType = m.elements.get(segment).refType();
        return emptyElem.computeIfAbsent(refType, t -> elemBase + emptyElem.size());
    }

    /**
     * Emits: if u64(local a) + u64(local n) > virtual bytes then trap as out of bounds. Uses locals {@code a} and
     * {@code n} (i32).
     */
    private void checkRange(WasmWriter w, int a, int n) {
        w.u8(0x20).u32(a).u8(0xAD).u8(0x20).u32(n).u8(0xAD).u8(0x7C); // i64(a) + i64(n)
        w.u8(0x23).u32(bytesGlobal).u8(0x56); // > virtual bytes
        w.u8(0x04).u8(0x40).u8(0x10).u32(oobFunc).u8(0x0B); // if call $oob end
    }

    // ---- building ----

    private byte[] build() {
        BodyRewriter bodies = new BodyRewriter(m, this);
        List<byte[]> code = new ArrayList<>(m.bodies.size());
        for (int i = 0; i < m.bodies.size(); i++) {
            code.add(bodies.rewrite(i));
        }
        if (m.hasMemory) {
            setBody(vgrowFunc, vgrowBody());
            setBody(oobFunc, oobBody());
            setBody(fillFunc, fillBody());
            setBody(copyFunc, copyBody());
            setBody(
                    growPhysicalFunc,
                    new WasmWriter()
                            .u32(0)
                            .u8(0x20)
                            .u32(0)
                            .u8(0x40)
                            .u8(0)
                            .u8(0x0B)
                            .toByteArray());
        } else { // a module without memory (tables and globals only): the memory helpers are never called
            setBody(vgrowFunc, new WasmWriter().u32(0).u8(0x41).s32(-1).u8(0x0B).toByteArray());
            setBody(oobFunc, new WasmWriter().u32(0).u8(0x00).u8(0x0B).toByteArray());
            setBody(fillFunc, new WasmWriter().u32(0).u8(0x00).u8(0x0B).toByteArray());
            setBody(copyFunc, new WasmWriter().u32(0).u8(0x00).u8(0x0B).toByteArray());
            // grow_physical(0) = 0 (the size), anything else -1, like memory.grow on a 0-page memory with no room
            setBody(
                    growPhysicalFunc,
                    new WasmWriter()
                            .u32(0)
                            .u8(0x20)
                            .u32(0)
                            .u8(0x45)
                            .u8(0x04)
                            .u8(0x7F)
                            .u8(0x41)
                            .s32(0)
                            .u8(0x05)
                            .u8(0x41)
                            .s32(-1)
                            .u8(0x0B)
                            .u8(0x0B)
                            .toByteArray());
        }
        setBody(resetFunc, resetBody());
        for (int i = 0; i < fastCalls.length; i++) {
            setBody(fastWrappers.get(fastCalls[i]), fastCallBody(fastCalls[i], hookFunc + 1 + i));
        }
        if (forgetFunc >= 0) {
            WasmWriter w = new WasmWriter().u32(0);
            forgetReads(w);
            setBody(forgetFunc, w.u8(0x0B).toByteArray());
        }

        WasmWriter out = new WasmWriter(m.wasm.length + m.wasm.length / 4 + 1024);
        out.bytes(new byte[] {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00});
        emitCustoms(out, 0);
        for (int id : ParsedModule.ORDER) {
            WasmWriter s = switch (id) {
                case ParsedModule.SEC_TYPE -> typeSection();
                case ParsedModule.SEC_IMPORT -> importSection();
                case ParsedModule.SEC_FUNCTION -> functionSection();
                case ParsedModule.SEC_TABLE -> tableSection();
                case ParsedModule.SEC_MEMORY -> memorySection();
                case ParsedModule.SEC_GLOBAL -> globalSection();
                case ParsedModule.SEC_EXPORT -> exportSection();
                case ParsedModule.SEC_START -> startSection();
                case ParsedModule.SEC_ELEMENT -> elementSection();
                case ParsedModule.SEC_DATA_COUNT -> new WasmWriter(8).u32(m.data.size() + dataCopy.size() + 1);
                case ParsedModule.SEC_CODE -> codeSection(code);
                case ParsedModule.SEC_DATA -> dataSection();
                default -> null;
            };
            if (s != null) {
                out.u8(id).sized(s);
            }
            emitCustoms(out, id);
        }
        return out.toByteArray();
    }

    private void emitCustoms(WasmWriter out, int after) {
        for (ParsedModule.Custom c : m.customs) {
            if (c.after() != after) {
                continue;
            }
            byte[] content = c.content();
            if (c.name().startsWith(".debug_")
                    || c.name().equals("sourceMappingURL")
                    || c.name().equals("external_debug_info")) {
                continue; // code offsets changed: debug information would be wrong
            }
            if (c.name().equals("name")) {
                content = renumberNames(content);
                if (content == null) {
                    continue;
                }
            }
            WasmWriter s = new WasmWriter(content.length + c.name().length() + 8);
            s.name(c.name()).bytes(content);
            out.u8(0).sized(s);
        }
    }

    private WasmWriter typeSection() {
        WasmWriter s = new WasmWriter(m.typeEntries.length + 32);
        s.u32(typeBase + 7).bytes(m.typeEntries);
        s.u8(0x60).u32(1).u8(0x7F).u32(1).u8(0x7F); // (i32) -> i32
        s.u8(0x60).u32(0).u32(0); // () -> ()
        s.u8(0x60).u32(2).u8(0x7F).u8(0x7F).u32(0); // (i32 i32) -> ()
        s.u8(0x60).u32(3).u8(0x7F).u8(0x7F).u8(0x7F).u32(0); // (i32 i32 i32) -> ()
        s.u8(0x60).u32(1).u8(0x7E).u32(1).u8(0x7F); // (i64) -> i32
        s.u8(0x60).u32(2).u8(0x7E).u8(0x7F).u32(1).u8(0x7F); // (i64 i32) -> i32
        s.u8(0x60).u32(1).u8(0x7F).u32(1).u8(0x7E); // (i32) -> i64
        return s;
    }

    private WasmWriter importSection() {
        WasmWriter s = new WasmWriter(m.importEntries.length + 32);
        s.u32(m.imports.size() + addedImports()).bytes(m.importEntries);
        s.name(ResettableModule.HOOK_MODULE)
                .name(ResettableModule.GROW_HOOK)
                .u8(0x00)
                .u32(typeBase + TYPE_II_V);
        for (int f : fastCalls) {
            s.name(ResettableModule.FAST_CALL_MODULE)
                    .name(ResettableModule.FAST_CALL_PREFIX + f)
                    .u8(0x00)
                    .u32(typeBase + TYPE_V_V);
        }
        if (keyFilterFunc >= 0) {
            s.name(ResettableModule.HOOK_MODULE)
                    .name(ResettableModule.KEY_FILTER_IMPORT)
                    .u8(0x00)
                    .u32(typeBase + TYPE_L_I);
        }
        if (valueFindFunc >= 0) {
            s.name(ResettableModule.HOOK_MODULE)
                    .name(ResettableModule.VALUE_FIND_IMPORT)
                    .u8(0x00)
                    .u32(typeBase + TYPE_LI_I);
            s.name(ResettableModule.HOOK_MODULE)
                    .name(ResettableModule.VALUE_CHUNK_IMPORT)
                    .u8(0x00)
                    .u32(typeBase + TYPE_I_L);
        }
        return s;
    }

    private WasmWriter functionSection() {
        WasmWriter s = new WasmWriter();
        s.u32(m.funcTypes.size() + addedTypes.size());
        for (int t : m.funcTypes) {
            s.u32(t);
        }
        for (int[] t : addedTypes) {
            s.u32(t[0]);
        }
        return s;
    }

    private WasmWriter tableSection() {
        if (m.tables.isEmpty() && !m.present.contains(ParsedModule.SEC_TABLE)) {
            return null;
        }
        WasmWriter s = new WasmWriter();
        s.u32(m.tables.size());
        for (ParsedModule.Table t : m.tables) {
            s.bytes(t.raw());
        }
        return s;
    }

    private WasmWriter memorySection() {
        return m.hasMemory ? new WasmWriter(8).u32(1).u8(0x00).u32(m.memInitial) : null;
    }

    private WasmWriter globalSection() {
        WasmWriter s = new WasmWriter();
        s.u32(globalCount - m.globalImports);
        for (ParsedModule.Global g : m.globals) {
            s.u8(g.valType()).u8(g.mutable() ? 1 : 0).bytes(g.init());
        }
        s.u8(0x7F).u8(1).u8(0x41).s32(m.memInitial).u8(0x0B); // pages
        s.u8(0x7F).u8(1).u8(0x41).s32(m.memInitial).u8(0x0B); // high water
        s.u8(0x7E).u8(1).u8(0x42).s64((long) m.memInitial << 16).u8(0x0B); // virtual bytes
        for (int i = 0; i < dataFlag.size() + elemFlag.size(); i++) {
            s.u8(0x7F).u8(1).u8(0x41).s32(0).u8(0x0B); // dropped flags
        }
        for (int i = 0; i < cacheByLength.size(); i++) {
            s.u8(0x7F).u8(1).u8(0x41).s32(-1).u8(0x0B); // no key kept
            s.u8(0x7F).u8(1).u8(0x41).s32(0).u8(0x0B);
            for (int j = 0; j < 2 * CHUNKS; j++) {
                s.u8(0x7E).u8(1).u8(0x42).s64(0).u8(0x0B);
            }
        }
        return s;
    }

    private WasmWriter exportSection() {
        WasmWriter s = new WasmWriter();
        s.u32(m.exports.size() + 4 + (forgetFunc >= 0 ? 1 : 0));
        for (ParsedModule.Export e : m.exports) {
            s.name(e.name()).u8(e.kind()).u32(e.kind() == 0 ? m.renumber(e.index()) : e.index());
        }
        s.name(ResettableModule.RESET_EXPORT).u8(0).u32(resetFunc);
        s.name(ResettableModule.GROW_PHYSICAL_EXPORT).u8(0).u32(growPhysicalFunc);
        s.name(ResettableModule.PAGES_EXPORT).u8(3).u32(pagesGlobal);
        s.name(ResettableModule.HIGH_WATER_EXPORT).u8(3).u32(highWaterGlobal);
        if (forgetFunc >= 0) {
            s.name(ResettableModule.FORGET_READS_EXPORT).u8(0).u32(forgetFunc);
        }
        return s;
    }

    private WasmWriter startSection() {
        return m.start < 0 ? null : new WasmWriter(8).u32(m.renumber(m.start));
    }

    private WasmWriter elementSection() {
        int total = elemBase + emptyElem.size();
        if (total == 0) {
            return null;
        }
        WasmWriter s = new WasmWriter();
        s.u32(total);
        for (Element e : m.elements) {
            encodeElement(s, e.flavour(), e);
        }
        for (Element e : m.elements) {
            if (e.mode() == Mode.ACTIVE) {
                encodeElement(s, e.funcs() != null ? 1 : 5, e);
            }
        }
        for (int refType : emptyElem.keySet()) {
            if (refType == ParsedModule.FUNCREF) {
                s.u32(1).u8(0x00).u32(0);
            } else {
                s.u32(5).u8(refType).u32(0);
            }
        }
        return s;
    }

    private static void encodeElement(WasmWriter s, int flavour, Element e) {
        s.u32(flavour);
        if (flavour == 2 || flavour == 6) {
            s.u32(e.table());
        }
        if (flavour == 0 || flavour == 2 || flavour == 4 || flavour == 6) {
            s.bytes(e.offset());
        }
        if (flavour == 1 || flavour == 2 || flavour == 3) {
            s.u8(0x00);
        } else if (flavour == 5 || flavour == 6 || flavour == 7) {
            s.u8(e.refType());
        }
        if (e.funcs() != null) {
            s.u32(e.funcs().length);
            for (int f : e.funcs()) {
                s.u32(f);
            }
        } else {
            s.u32(e.exprs().size());
            for (byte[] x : e.exprs()) {
                s.bytes(x);
            }
        }
    }

    private WasmWriter codeSection(List<byte[]> code) {
        WasmWriter s = new WasmWriter(m.wasm.length + 4096);
        s.u32(code.size() + addedBodies.size());
        for (byte[] b : code) {
            s.u32(b.length).bytes(b);
        }
        for (byte[] b : addedBodies) {
            s.u32(b.length).bytes(b);
        }
        return s;
    }

    private WasmWriter dataSection() {
        WasmWriter s = new WasmWriter(m.wasm.length);
        s.u32(m.data.size() + dataCopy.size() + 1);
        for (Data d : m.data) {
            s.bytes(d.raw());
        }
        for (Data d : m.data) {
            if (d.mode() == Mode.ACTIVE) {
                s.u32(1).u32(d.payload().length).bytes(d.payload());
            }
        }
        s.u32(1).u32(0); // the empty segment standing in for dropped ones
        return s;
    }

    // ---- added function bodies ----

    private byte[] vgrowBody() {
        // (param $n i32) (result i32) (local $old i32) (local $new i32)
        WasmWriter w = new WasmWriter();
        w.u32(1).u32(2).u8(0x7F);
        // if n >u limit - pages: return -1
        w.u8(0x20).u32(0).u8(0x41).s32(limit).u8(0x23).u32(pagesGlobal).u8(0x6B).u8(0x4B);
        w.u8(0x04).u8(0x40).u8(0x41).s32(-1).u8(0x0F).u8(0x0B);
        // old = pages; new = old + n
        w.u8(0x23).u32(pagesGlobal).u8(0x21).u32(1);
        w.u8(0x20).u32(1).u8(0x20).u32(0).u8(0x6A).u8(0x21).u32(2);
        // if new >u physical: if memory.grow(new - physical) == -1: unreachable (the engine failed to provide pages
        // within the limit; the guest must never see -1 for an allowed growth)
        w.u8(0x20).u32(2).u8(0x3F).u8(0).u8(0x4B);
        w.u8(0x04).u8(0x40);
        w.u8(0x20)
                .u32(2)
                .u8(0x3F)
                .u8(0)
                .u8(0x6B)
                .u8(0x40)
                .u8(0)
                .u8(0x41)
                .s32(-1)
                .u8(0x46);
        w.u8(0x04).u8(0x40).u8(0x00).u8(0x0B);
        w.u8(0x0B);
        // pages = new; bytes = new << 16
        w.u8(0x20).u32(2).u8(0x24).u32(pagesGlobal);
        w.u8(0x20).u32(2).u8(0xAD).u8(0x42).s64(16).u8(0x86).u8(0x24).u32(bytesGlobal);
        // if new >u highWater: highWater = new
        w.u8(0x20).u32(2).u8(0x23).u32(highWaterGlobal).u8(0x4B);
        w.u8(0x04).u8(0x40).u8(0x20).u32(2).u8(0x24).u32(highWaterGlobal).u8(0x0B);
        // if new >u old: call jshrew.grow(old, new)
        w.u8(0x20).u32(2).u8(0x20).u32(1).u8(0x4B);
        w.u8(0x04)
                .u8(0x40)
                .u8(0x20)
                .u32(1)
                .u8(0x20)
                .u32(2)
                .u8(0x10)
                .u32(hookFunc)
                .u8(0x0B);
        w.u8(0x20).u32(1);
        w.u8(0x0B);
        return w.toByteArray();
    }

    /** A real out-of-bounds access: address 0xFFFFFFFF + offset 0xFFFFFFFF is beyond every 32-bit memory. */
    private static byte[] oobBody() {
        WasmWriter w = new WasmWriter();
        w.u32(0);
        w.u8(0x41).s32(-1).u8(0x28).u32(0).u32(-1).u8(0x1A);
        w.u8(0x00);
        w.u8(0x0B);
        return w.toByteArray();
    }

    /*
     * Bulk memory above 2 GiB. GraalWasm 25 reads the address and length operands of memory.fill and memory.copy as
     * signed ints: any part at or above 2 GiB fails ("memory access of negative length", an out-of-bounds address
     * 0xFFFFFFFF8...). So the helpers and the reset never give a bulk instruction an address or a length of 2 GiB or
     * more: what lies above 2 GiB is done with plain loads and stores, whose effective address every engine computes
     * unsigned. Below 2 GiB (every memory of 32768 pages or less) nothing changes.
     */

    private static final int TWO_GIB = 0x8000_0000;

    private byte[] fillBody() {
        // (param $d i32) (param $v i32) (param $n i32) (local $at i32) (local $high i32)
        WasmWriter w = new WasmWriter();
        w.u32(1).u32(2).u8(0x7F);
        checkRange(w, 0, 2);
        // if u64(d) + u64(n) > 2 GiB: the part from max(d, 2 GiB) byte by byte, and n becomes the part below
        w.u8(0x20)
                .u32(0)
                .u8(0xAD)
                .u8(0x20)
                .u32(2)
                .u8(0xAD)
                .u8(0x7C)
                .u8(0x42)
                .s64(1L << 31)
                .u8(0x56);
        w.u8(0x04).u8(0x40);
        w.u8(0x20)
                .u32(0)
                .u8(0x41)
                .s32(TWO_GIB)
                .u8(0x20)
                .u32(0)
                .u8(0x41)
                .s32(TWO_GIB)
                .u8(0x4F)
                .u8(0x1B);
        w.u8(0x21).u32(3); // at = max(d, 2 GiB)
        w.u8(0x20)
                .u32(0)
                .u8(0x20)
                .u32(2)
                .u8(0x6A)
                .u8(0x20)
                .u32(3)
                .u8(0x6B)
                .u8(0x21)
                .u32(4); // high = d + n - at
        w.u8(0x20).u32(2).u8(0x20).u32(4).u8(0x6B).u8(0x21).u32(2); // n -= high
        w.u8(0x02).u8(0x40).u8(0x03).u8(0x40);
        w.u8(0x20).u32(4).u8(0x45).u8(0x0D).u32(1); // br_if high == 0
        w.u8(0x20).u32(3).u8(0x20).u32(1).u8(0x3A).u32(0).u32(0); // i32.store8 at v
        w.u8(0x20).u32(3).u8(0x41).s32(1).u8(0x6A).u8(0x21).u32(3);
        w.u8(0x20).u32(4).u8(0x41).s32(1).u8(0x6B).u8(0x21).u32(4);
        w.u8(0x0C).u32(0);
        w.u8(0x0B).u8(0x0B);
        w.u8(0x0B);
        // the part below 2 GiB (never a zero-length fill at 2 GiB or above)
        w.u8(0x20).u32(2).u8(0x04).u8(0x40);
        w.u8(0x20).u32(0).u8(0x20).u32(1).u8(0x20).u32(2).u8(0xFC).u32(11).u8(0);
        w.u8(0x0B);
        w.u8(0x0B);
        return w.toByteArray();
    }

    private byte[] copyBody() {
        // (param $d i32) (param $s i32) (param $n i32) (local $i i32)
        WasmWriter w = new WasmWriter();
        w.u32(1).u32(1).u8(0x7F);
        w.u8(0x20)
                .u32(0)
                .u8(0xAD)
                .u8(0x20)
                .u32(2)
                .u8(0xAD)
                .u8(0x7C)
                .u8(0x23)
                .u32(bytesGlobal)
                .u8(0x56);
        w.u8(0x20)
                .u32(1)
                .u8(0xAD)
                .u8(0x20)
                .u32(2)
                .u8(0xAD)
                .u8(0x7C)
                .u8(0x23)
                .u32(bytesGlobal)
                .u8(0x56);
        w.u8(0x72);
        w.u8(0x04).u8(0x40).u8(0x10).u32(oobFunc).u8(0x0B);
        // if either range reaches above 2 GiB: byte by byte, upwards when d <= s, else downwards (memmove)
        for (int local : new int[] {0, 1}) {
            w.u8(0x20)
                    .u32(local)
                    .u8(0xAD)
                    .u8(0x20)
                    .u32(2)
                    .u8(0xAD)
                    .u8(0x7C)
                    .u8(0x42)
                    .s64(1L << 31)
                    .u8(0x56);
        }
        w.u8(0x72).u8(0x04).u8(0x40);
        w.u8(0x20).u32(0).u8(0x20).u32(1).u8(0x4D).u8(0x04).u8(0x40); // if d <=u s
        w.u8(0x02).u8(0x40).u8(0x03).u8(0x40);
        w.u8(0x20).u32(3).u8(0x20).u32(2).u8(0x46).u8(0x0D).u32(1); // br_if i == n
        copyByte(w, 3);
        w.u8(0x20).u32(3).u8(0x41).s32(1).u8(0x6A).u8(0x21).u32(3);
        w.u8(0x0C).u32(0);
        w.u8(0x0B).u8(0x0B);
        w.u8(0x05);
        w.u8(0x02).u8(0x40).u8(0x03).u8(0x40);
        w.u8(0x20).u32(2).u8(0x45).u8(0x0D).u32(1); // br_if n == 0
        w.u8(0x20).u32(2).u8(0x41).s32(1).u8(0x6B).u8(0x21).u32(2);
        copyByte(w, 2);
        w.u8(0x0C).u32(0);
        w.u8(0x0B).u8(0x0B);
        w.u8(0x0B);
        w.u8(0x0F); // return
        w.u8(0x0B);
        w.u8(0x20).u32(0).u8(0x20).u32(1).u8(0x20).u32(2).u8(0xFC).u32(10).u8(0).u8(0);
        w.u8(0x0B);
        return w.toByteArray();
    }

    /** i32.store8(d + local, i32.load8_u(s + local)). */
    private static void copyByte(WasmWriter w, int local) {
        w.u8(0x20).u32(0).u8(0x20).u32(local).u8(0x6A);
        w.u8(0x20).u32(1).u8(0x20).u32(local).u8(0x6A).u8(0x2D).u32(0).u32(0);
        w.u8(0x3A).u32(0).u32(0);
    }

    private byte[] resetBody() {
        WasmWriter w = new WasmWriter();
        w.u32(1).u32(1).u8(0x7F); // (local i32): resetMemory's scratch
        if (m.hasMemory) {
            resetMemory(w);
        }
        resetTablesGlobalsSegments(w);
        // the start function's effects
        if (m.start >= 0) {
            w.u8(0x10).u32(m.renumber(m.start));
        }
        forgetReads(w); // after the start function: what it read was read for no export call
        w.u8(0x0B);
        return w.toByteArray();
    }

    private void resetMemory(WasmWriter w) {
        // zero [0, highWater * 64 KiB): below 2 GiB with memory.fill in parts of at most 1 GiB, part k when
        // highWater > k GiB: memory.fill(k GiB, 0, min(highWater - k GiB in pages, 16384) << 16), local 0 holding the
        // difference
        for (int k = 0; k < 2; k++) {
            int base = k * GIB_PAGES;
            w.u8(0x23).u32(highWaterGlobal).u8(0x41).s32(base).u8(0x4B).u8(0x04).u8(0x40); // if highWater >u base
            w.u8(0x41).s32(k * GIB).u8(0x41).s32(0);
            w.u8(0x23).u32(highWaterGlobal).u8(0x41).s32(base).u8(0x6B).u8(0x22).u32(0); // local.tee 0
            w.u8(0x41)
                    .s32(GIB_PAGES)
                    .u8(0x20)
                    .u32(0)
                    .u8(0x41)
                    .s32(GIB_PAGES)
                    .u8(0x49)
                    .u8(0x1B); // select min
            w.u8(0x41).s32(16).u8(0x74); // << 16
            w.u8(0xFC).u32(11).u8(0);
            w.u8(0x0B);
        }
        // from 2 GiB up, 64 bytes (eight i64.store) per turn until highWater << 16 (which wraps to 0 at 4 GiB)
        w.u8(0x23)
                .u32(highWaterGlobal)
                .u8(0x41)
                .s32(2 * GIB_PAGES)
                .u8(0x4B)
                .u8(0x04)
                .u8(0x40);
        w.u8(0x41).s32(TWO_GIB).u8(0x21).u32(0);
        w.u8(0x03).u8(0x40);
        for (int offset = 0; offset < 64; offset += 8) {
            w.u8(0x20).u32(0).u8(0x42).s64(0).u8(0x37).u32(3).u32(offset);
        }
        w.u8(0x20).u32(0).u8(0x41).s32(64).u8(0x6A).u8(0x22).u32(0);
        w.u8(0x23)
                .u32(highWaterGlobal)
                .u8(0x41)
                .s32(16)
                .u8(0x74)
                .u8(0x47)
                .u8(0x0D)
                .u32(0); // br_if at != end
        w.u8(0x0B);
        w.u8(0x0B);
        // virtual size and high water back to the initial pages (the grow hook is not called)
        w.u8(0x41).s32(m.memInitial).u8(0x24).u32(pagesGlobal);
        w.u8(0x42).s64((long) m.memInitial << 16).u8(0x24).u32(bytesGlobal);
        w.u8(0x41).s32(m.memInitial).u8(0x24).u32(highWaterGlobal);
    }

    private void resetTablesGlobalsSegments(WasmWriter w) {
        // mutable globals to their initial values
        for (int i = 0; i < m.globals.size(); i++) {
            ParsedModule.Global g = m.globals.get(i);
            if (g.mutable()) {
                w.bytes(g.init(), 0, g.init().length - 1);
                w.u8(0x24).u32(m.globalImports + i);
            }
        }
        // tables: all null, then the active element segments again, in order; passive segments undropped
        for (int t = 0; t < m.tables.size(); t++) {
            w.u8(0x41)
                    .s32(0)
                    .u8(0xD0)
                    .u8(m.tables.get(t).refType())
                    .u8(0xFC)
                    .u32(16)
                    .u32(t)
                    .u8(0xFC)
                    .u32(17)
                    .u32(t);
        }
        for (int i = 0; i < m.elements.size(); i++) {
            Element e = m.elements.get(i);
            if (e.mode() == Mode.ACTIVE) {
                w.bytes(e.offset(), 0, e.offset().length - 1);
                w.u8(0x41)
                        .s32(0)
                        .u8(0x41)
                        .s32(e.length())
                        .u8(0xFC)
                        .u32(12)
                        .u32(elemCopy.get(i))
                        .u32(e.table());
            } else if (e.mode() == Mode.PASSIVE) {
                w.u8(0x41).s32(0).u8(0x24).u32(elemFlag.get(i));
            }
        }
        // data: the active segments again, in order, from their passive copies; passive segments undropped
        for (int i = 0; i < m.data.size(); i++) {
            Data d = m.data.get(i);
            if (d.mode() == Mode.ACTIVE) {
                if (!m.hasMemory) {
                    continue; // invalid anyway: the engine rejects the module
                }
                w.bytes(d.offset(), 0, d.offset().length - 1);
                w.u8(0x41)
                        .s32(0)
                        .u8(0x41)
                        .s32(d.payload().length)
                        .u8(0xFC)
                        .u32(8)
                        .u32(dataCopy.get(i))
                        .u8(0);
            } else {
                w.u8(0x41).s32(0).u8(0x24).u32(dataFlag.get(i));
            }
        }
    }

    // ---- name section ----

    private void nameAddedImports(WasmWriter s) {
        s.u32(hookFunc).name(ResettableModule.HOOK_MODULE + "." + ResettableModule.GROW_HOOK);
        for (int i = 0; i < fastCalls.length; i++) {
            s.u32(hookFunc + 1 + i)
                    .name(ResettableModule.FAST_CALL_MODULE + "." + ResettableModule.FAST_CALL_PREFIX + fastCalls[i]);
        }
        if (keyFilterFunc >= 0) {
            s.u32(keyFilterFunc).name(ResettableModule.HOOK_MODULE + "." + ResettableModule.KEY_FILTER_IMPORT);
        }
        if (valueFindFunc >= 0) {
            s.u32(valueFindFunc).name(ResettableModule.HOOK_MODULE + "." + ResettableModule.VALUE_FIND_IMPORT);
            s.u32(valueFindFunc + 1).name(ResettableModule.HOOK_MODULE + "." + ResettableModule.VALUE_CHUNK_IMPORT);
        }
    }

    /**
     * The function standing in for fast-call import {@code func} (protocol: {@link
     * ResettableModule#fastCallWindowBytes}, and {@link ResettableModule#CACHED_READ_STATUS} for a cached read):
     * locals are the parameters, then the saved window slots (i64), then the result, then three i32 scratch locals.
     */
    private byte[] fastCallBody(int func, int fastImport) {
        dev.jshrew.api.engine.FunctionSignature sig = m.types.get(functionImportType(m, func));
        int n = sig.params().size();
        ReadCache keeps = cacheByLength.get(func);
        ReadCache serves = cacheByCompanion.get(func);
        int slots = (keeps != null ? ResettableModule.cachedReadWindowBytes() : ResettableModule.fastCallWindowBytes(n))
                / 8;
        boolean hasResult = !sig.results().isEmpty();
        WasmWriter w = new WasmWriter();
        if (!m.hasMemory) { // nothing to borrow: the plain call
            w.u32(0);
            plainCall(w, func, n);
            w.u8(0x0B);
            return w.toByteArray();
        }
        int saved = n;
        int result = n + slots;
        int scratch = result + (hasResult ? 1 : 0);
        boolean filters = keeps != null && keyFilterFunc >= 0;
        w.u32((hasResult ? 3 : 2) + (filters ? 1 : 0)).u32(slots).u8(ParsedModule.I64);
        if (hasResult) {
            w.u32(1).u8(valType(sig.results().get(0)));
        }
        w.u32(3).u8(ParsedModule.I32);
        if (filters) {
            w.u32(1).u8(ParsedModule.I64); // the key's hash
        }
        if (serves != null) {
            serveCachedRead(w, serves, scratch);
        }
        // no memory page yet: the plain call
        w.u8(0x23).u32(pagesGlobal).u8(0x45).u8(0x04).u8(0x40);
        plainCall(w, func, n);
        w.u8(0x0F).u8(0x0B);
        if (filters) {
            answerAbsentKey(w, keeps, scratch);
        }
        for (int j = 0; j < slots; j++) { // save the window
            w.u8(0x41).u8(0x00).u8(0x29).u32(3).u32(8 * j).u8(0x21).u32(saved + j);
        }
        for (int j = 0; j < n; j++) { // the arguments, from slot 1
            w.u8(0x41).u8(0x00).u8(0x20).u32(j);
            if (sig.params().get(j) == dev.jshrew.api.engine.ValueType.I32) {
                w.u8(0xAD); // i64.extend_i32_u
            }
            w.u8(0x37).u32(3).u32(8 * (j + 1));
        }
        w.u8(0x41).u8(0x00).u8(0x42).u8(0x00).u8(0x37).u32(3).u32(0); // status 0
        w.u8(0x10).u32(fastImport);
        // status 0: put the window back and make the plain call
        w.u8(0x41).u8(0x00).u8(0x29).u32(3).u32(0).u8(0x50).u8(0x04).u8(0x40);
        restoreWindow(w, saved, slots);
        plainCall(w, func, n);
        w.u8(0x0F).u8(0x0B);
        if (hasResult) {
            w.u8(0x41).u8(0x00).u8(0x29).u32(3).u32(8);
            if (sig.results().get(0) == dev.jshrew.api.engine.ValueType.I32) {
                w.u8(0xA7); // i32.wrap_i64
            }
            w.u8(0x21).u32(result);
        }
        if (keeps != null) {
            keepValue(w, keeps, result, scratch);
        }
        restoreWindow(w, saved, slots);
        if (keeps != null) {
            keepKey(w, keeps, scratch);
        }
        if (hasResult) {
            w.u8(0x20).u32(result);
        }
        w.u8(0x0B);
        return w.toByteArray();
    }

    /**
     * A cached read's length stand-in with a key filter, first: for a valid key buffer at parameter 0 (at least 4,
     * its length word and bytes inside the virtual size) whose hash ({@link KeyFilter#hash}, computed here the same
     * way) the filter surely lacks, keeps the key with a value of no bytes and returns 0, with no host call;
     * otherwise falls through. Uses the three i32 scratch locals and the i64 local after them.
     */
    private void answerAbsentKey(WasmWriter w, ReadCache c, int scratch) {
        int rem = scratch + 1, p = scratch + 2, h = scratch + 3;
        w.u8(0x02).u8(0x40); // block $ask
        w.u8(0x20).u32(0).u8(0x41).s32(4).u8(0x49).u8(0x0D).u32(0); // key <u 4
        w.u8(0x20).u32(0).u8(0xAD).u8(0x23).u32(bytesGlobal).u8(0x56).u8(0x0D).u32(0); // key >u virtual size
        loadKeyLength(w, rem);
        // key + length >u virtual size
        w.u8(0x20).u32(0).u8(0xAD).u8(0x20).u32(rem).u8(0xAD).u8(0x7C);
        w.u8(0x23).u32(bytesGlobal).u8(0x56).u8(0x0D).u32(0);
        // h = SEED ^ length; p = key
        w.u8(0x42)
                .s64(KeyFilter.SEED)
                .u8(0x20)
                .u32(rem)
                .u8(0xAD)
                .u8(0x85)
                .u8(0x21)
                .u32(h);
        w.u8(0x20).u32(0).u8(0x21).u32(p);
        // whole 8-byte chunks: h = (h ^ chunk) * CHUNK; h ^= h >>> 31
        w.u8(0x02).u8(0x40).u8(0x03).u8(0x40);
        w.u8(0x20).u32(rem).u8(0x41).s32(8).u8(0x49).u8(0x0D).u32(1);
        w.u8(0x20).u32(h).u8(0x20).u32(p).u8(0x29).u32(0).u32(0).u8(0x85);
        w.u8(0x42).s64(KeyFilter.CHUNK).u8(0x7E).u8(0x21).u32(h);
        xorShift(w, h, 31);
        w.u8(0x20).u32(p).u8(0x41).s32(8).u8(0x6A).u8(0x21).u32(p);
        w.u8(0x20).u32(rem).u8(0x41).s32(8).u8(0x6B).u8(0x21).u32(rem);
        w.u8(0x0C).u32(0).u8(0x0B).u8(0x0B);
        // the tail's bytes: h = (h ^ byte) * TAIL
        w.u8(0x02).u8(0x40).u8(0x03).u8(0x40);
        w.u8(0x20).u32(rem).u8(0x45).u8(0x0D).u32(1);
        w.u8(0x20).u32(h).u8(0x20).u32(p).u8(0x31).u32(0).u32(0).u8(0x85);
        w.u8(0x42).s64(KeyFilter.TAIL).u8(0x7E).u8(0x21).u32(h);
        w.u8(0x20).u32(p).u8(0x41).s32(1).u8(0x6A).u8(0x21).u32(p);
        w.u8(0x20).u32(rem).u8(0x41).s32(1).u8(0x6B).u8(0x21).u32(rem);
        w.u8(0x0C).u32(0).u8(0x0B).u8(0x0B);
        // finish
        xorShift(w, h, 33);
        w.u8(0x20).u32(h).u8(0x42).s64(KeyFilter.FINISH_1).u8(0x7E).u8(0x21).u32(h);
        xorShift(w, h, 33);
        w.u8(0x20).u32(h).u8(0x42).s64(KeyFilter.FINISH_2).u8(0x7E).u8(0x21).u32(h);
        xorShift(w, h, 33);
        // surely absent: a value of no bytes, kept for the companion
        w.u8(0x20).u32(h).u8(0x10).u32(keyFilterFunc).u8(0x45).u8(0x04).u8(0x40);
        w.u8(0x41).s32(0).u8(0x24).u32(c.valueLength());
        w.u8(0x41).s32(1).u8(0x21).u32(scratch);
        keepKey(w, c, scratch);
        w.u8(0x41).s32(0).u8(0x0F);
        w.u8(0x0B);
        if (valueFindFunc >= 0) {
            answerTableKey(w, c, scratch);
        }
        w.u8(0x0B); // end $ask: the host answers
    }

    /**
     * Inside {@link #answerAbsentKey}'s block, once the hash is in its i64 local: when the value table's slot holds a
     * current entry of the key's hash and length whose key chunks equal the guest's, keeps the key with the slot's
     * value and returns its length, with no host call; otherwise falls through.
     */
    private void answerTableKey(WasmWriter w, ReadCache c, int scratch) {
        int length = scratch + 1, found = scratch + 2, h = scratch + 3;
        w.u8(0x02).u8(0x40); // block $host
        loadKeyLength(w, length);
        w.u8(0x20)
                .u32(h)
                .u8(0x20)
                .u32(length)
                .u8(0x10)
                .u32(valueFindFunc)
                .u8(0x22)
                .u32(found);
        w.u8(0x41).s32(0).u8(0x48).u8(0x0D).u32(0); // found <s 0
        w.u8(0x20).u32(length).u8(0x41).s32(8).u8(0x6B).u8(0x21).u32(scratch); // last = length - 8
        for (int j = 0; j < CHUNKS; j++) { // a chunk differs
            ifChunk(w, j, length, -1);
            chunkAddress(w, 0, j, scratch);
            w.u8(0x29).u32(3).u32(0).u8(0x41).s32(j).u8(0x10).u32(valueFindFunc + 1);
            w.u8(0x52).u8(0x0D).u32(j == 0 ? 0 : 1);
            endChunk(w, j);
        }
        for (int j = 0; j < CHUNKS; j++) { // the value's chunks
            ifChunk(w, j, found, -1);
            w.u8(0x41).s32(CHUNKS + j).u8(0x10).u32(valueFindFunc + 1).u8(0x24).u32(c.value(j));
            endChunk(w, j);
        }
        w.u8(0x20).u32(found).u8(0x24).u32(c.valueLength());
        w.u8(0x41).s32(1).u8(0x21).u32(scratch);
        keepKey(w, c, scratch);
        w.u8(0x23).u32(c.valueLength()).u8(0x0F);
        w.u8(0x0B); // end $host
    }

    /** Sets local {@code into} to the length word of the key buffer at parameter 0 ({@code i32.load key-4}). */
    private static void loadKeyLength(WasmWriter w, int into) {
        w.u8(0x20)
                .u32(0)
                .u8(0x41)
                .s32(4)
                .u8(0x6B)
                .u8(0x28)
                .u32(2)
                .u32(0)
                .u8(0x21)
                .u32(into);
    }

    /** {@code h ^= h >>> shift} on i64 local {@code h}. */
    private static void xorShift(WasmWriter w, int h, int shift) {
        w.u8(0x20)
                .u32(h)
                .u8(0x20)
                .u32(h)
                .u8(0x42)
                .s64(shift)
                .u8(0x88)
                .u8(0x85)
                .u8(0x21)
                .u32(h);
    }

    /**
     * A cached read's length stand-in, before the window is put back: with {@link
     * ResettableModule#CACHED_READ_STATUS}, keeps the value from the window (scratch local 0 then holds 1, else 0).
     */
    private static void keepValue(WasmWriter w, ReadCache c, int result, int scratch) {
        w.u8(0x41).u8(0x00).u8(0x29).u32(3).u32(0); // i64.load status
        w.u8(0x42).s64(ResettableModule.CACHED_READ_STATUS).u8(0x51).u8(0x22).u32(scratch); // i64.eq, local.tee
        w.u8(0x04).u8(0x40);
        for (int j = 0; j < CHUNKS; j++) {
            int offset = ResettableModule.fastCallWindowBytes(1) + 8 * j;
            w.u8(0x41).u8(0x00).u8(0x29).u32(3).u32(offset).u8(0x24).u32(c.value(j));
        }
        w.u8(0x20).u32(result).u8(0x24).u32(c.valueLength());
        w.u8(0x0B);
    }

    /**
     * A cached read's length stand-in, after the window is put back: keeps the key buffer at parameter 0 when the
     * value was kept (the host has read it as a valid buffer) and its length is in [4, {@link
     * ResettableModule#CACHED_READ_BYTES}]; otherwise keeps none.
     */
    private static void keepKey(WasmWriter w, ReadCache c, int scratch) {
        int length = scratch + 1, last = scratch + 2;
        w.u8(0x20).u32(scratch).u8(0x04).u8(0x40);
        loadKeyLength(w, length);
        w.u8(0x20).u32(length).u8(0x41).s32(4).u8(0x6B); // length - 4 >u CACHED_READ_BYTES - 4
        w.u8(0x41).s32(ResettableModule.CACHED_READ_BYTES - 4).u8(0x4B).u8(0x04).u8(0x40);
        w.u8(0x41).s32(-1).u8(0x24).u32(c.keyLength());
        w.u8(0x05);
        w.u8(0x20).u32(length).u8(0x41).s32(8).u8(0x6B).u8(0x21).u32(last); // last = length - 8
        for (int j = 0; j < CHUNKS; j++) {
            ifChunk(w, j, length, -1);
            chunkAddress(w, 0, j, last);
            w.u8(0x29).u32(3).u32(0).u8(0x24).u32(c.key(j));
            endChunk(w, j);
        }
        w.u8(0x20).u32(length).u8(0x24).u32(c.keyLength());
        w.u8(0x0B);
        w.u8(0x05);
        w.u8(0x41).s32(-1).u8(0x24).u32(c.keyLength());
        w.u8(0x0B);
    }

    /**
     * A cached read's companion stand-in, first: when the key buffer at parameter 0 equals the kept one and the value
     * fits at parameter 1 inside the virtual size, writes the kept value there and returns; otherwise falls through
     * to the fast call.
     */
    private void serveCachedRead(WasmWriter w, ReadCache c, int scratch) {
        int last = scratch;
        w.u8(0x02).u8(0x40); // block $miss
        w.u8(0x23).u32(c.keyLength()).u8(0x41).s32(4).u8(0x48).u8(0x0D).u32(0); // none kept
        w.u8(0x20).u32(0).u8(0x41).s32(4).u8(0x49).u8(0x0D).u32(0); // key < 4
        // key + kept length >u virtual size
        w.u8(0x20).u32(0).u8(0xAD).u8(0x23).u32(c.keyLength()).u8(0xAD).u8(0x7C);
        w.u8(0x23).u32(bytesGlobal).u8(0x56).u8(0x0D).u32(0);
        // its length word differs
        w.u8(0x20).u32(0).u8(0x41).s32(4).u8(0x6B).u8(0x28).u32(2).u32(0);
        w.u8(0x23).u32(c.keyLength()).u8(0x47).u8(0x0D).u32(0);
        w.u8(0x23).u32(c.keyLength()).u8(0x41).s32(8).u8(0x6B).u8(0x21).u32(last);
        for (int j = 0; j < CHUNKS; j++) { // a chunk differs
            ifChunk(w, j, -1, c.keyLength());
            chunkAddress(w, 0, j, last);
            w.u8(0x29).u32(3).u32(0).u8(0x23).u32(c.key(j)).u8(0x52).u8(0x0D).u32(j == 0 ? 0 : 1);
            endChunk(w, j);
        }
        // out + value length >u virtual size: the host's call traps
        w.u8(0x20).u32(1).u8(0xAD).u8(0x23).u32(c.valueLength()).u8(0xAD).u8(0x7C);
        w.u8(0x23).u32(bytesGlobal).u8(0x56).u8(0x0D).u32(0);
        w.u8(0x23).u32(c.valueLength()).u8(0x41).s32(8).u8(0x4F).u8(0x04).u8(0x40); // value length >= 8: chunks
        w.u8(0x23).u32(c.valueLength()).u8(0x41).s32(8).u8(0x6B).u8(0x21).u32(last);
        for (int j = 0; j < CHUNKS; j++) {
            ifChunk(w, j, -1, c.valueLength());
            chunkAddress(w, 1, j, last);
            w.u8(0x23).u32(c.value(j)).u8(0x37).u32(3).u32(0);
            endChunk(w, j);
        }
        w.u8(0x05); // else: its bytes, from chunk 0
        for (int i = 0; i < 7; i++) {
            w.u8(0x23).u32(c.valueLength()).u8(0x41).s32(i).u8(0x4B).u8(0x04).u8(0x40);
            w.u8(0x20).u32(1).u8(0x23).u32(c.value(0)).u8(0x42).s64(8L * i).u8(0x88); // i64.shr_u
            w.u8(0x3C).u32(0).u32(i).u8(0x0B); // i64.store8 offset i
        }
        w.u8(0x0B);
        w.u8(0x0F); // return
        w.u8(0x0B); // end $miss
    }

    /**
     * Opens the code of chunk {@code j} (past chunk 0: only when the length, in local {@code lengthLocal} or else
     * global {@code lengthGlobal}, is above {@code 8j}).
     */
    private static void ifChunk(WasmWriter w, int j, int lengthLocal, int lengthGlobal) {
        if (j > 0) {
            if (lengthLocal >= 0) {
                w.u8(0x20).u32(lengthLocal);
            } else {
                w.u8(0x23).u32(lengthGlobal);
            }
            w.u8(0x41).s32(8 * j).u8(0x4B).u8(0x04).u8(0x40);
        }
    }

    private static void endChunk(WasmWriter w, int j) {
        if (j > 0) {
            w.u8(0x0B);
        }
    }

    /** Pushes the address of chunk {@code j}: {@code base + min(8j, last)} (signed), {@code last} = length - 8. */
    private static void chunkAddress(WasmWriter w, int baseLocal, int j, int lastLocal) {
        w.u8(0x20).u32(baseLocal);
        w.u8(0x41).s32(8 * j).u8(0x20).u32(lastLocal);
        w.u8(0x41).s32(8 * j).u8(0x20).u32(lastLocal).u8(0x4C); // i32.le_s
        w.u8(0x1B).u8(0x6A); // select, i32.add
    }

    /** Forgets every kept key. */
    private void forgetReads(WasmWriter w) {
        for (ReadCache c : cacheByLength.values()) {
            w.u8(0x41).s32(-1).u8(0x24).u32(c.keyLength());
        }
    }

    private static void plainCall(WasmWriter w, int func, int params) {
        for (int j = 0; j < params; j++) {
            w.u8(0x20).u32(j);
        }
        w.u8(0x10).u32(func); // an import keeps its index
    }

    private static void restoreWindow(WasmWriter w, int saved, int slots) {
        for (int j = 0; j < slots; j++) {
            w.u8(0x41).u8(0x00).u8(0x20).u32(saved + j).u8(0x37).u32(3).u32(8 * j);
        }
    }

    private static int valType(dev.jshrew.api.engine.ValueType t) {
        return t == dev.jshrew.api.engine.ValueType.I32 ? ParsedModule.I32 : ParsedModule.I64;
    }

    /** The name section with function indices renumbered and the added functions named; null to drop it. */
    private byte[] renumberNames(byte[] content) {
        try {
            WasmReader r = new WasmReader(content);
            WasmWriter out = new WasmWriter(content.length + 256);
            while (!r.atEnd()) {
                int id = r.u8();
                int size = r.count();
                WasmReader sub = r.slice(size);
                WasmWriter s = new WasmWriter(size + 256);
                switch (id) {
                    case 1 -> {
                        int n = sub.count();
                        s.u32(n + addedImports() + addedNames.size());
                        boolean hookNamed = false;
                        for (int i = 0; i < n; i++) {
                            int idx = m.renumber(sub.count());
                            String name = sub.name();
                            if (!hookNamed && idx > hookFunc) {
                                nameAddedImports(s);
                                hookNamed = true;
                            }
                            s.u32(idx).name(name);
                        }
                        if (!hookNamed) {
                            nameAddedImports(s);
                        }
                        for (int i = 0; i < addedNames.size(); i++) {
                            s.u32(addedBase() + i).name(addedNames.get(i));
                        }
                    }
                    case 2, 3 -> { // indirect name maps keyed by function index
                        int n = sub.count();
                        s.u32(n);
                        for (int i = 0; i < n; i++) {
                            s.u32(m.renumber(sub.count()));
                            int inner = sub.count();
                            s.u32(inner);
                            for (int k = 0; k < inner; k++) {
                                s.u32(sub.u32());
                                s.name(sub.name());
                            }
                        }
                    }
                    default -> s.bytes(sub.bytes(sub.remaining()));
                }
                if (!sub.atEnd()) {
                    return null;
                }
                out.u8(id).sized(s);
            }
            return out.toByteArray();
        } catch (Malformed e) {
            return null; // a custom section is not validated by engines: drop a malformed one rather than fail
        }
    }
}
