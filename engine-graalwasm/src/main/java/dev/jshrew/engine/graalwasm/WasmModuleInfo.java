package dev.jshrew.engine.graalwasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ValueType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What jshrew needs to know about a module that the polyglot API does not tell: the types of its imports and
 * exports and its memory limits, read from the binary (type, import, function, memory and export sections; every
 * other section is skipped by its size). GraalWasm validates the whole module afterwards; this reader only has to
 * be right about the sections it reads and refuse what it cannot read. Immutable.
 */
final class WasmModuleInfo {
    private static final int SECTION_TYPE = 1;
    private static final int SECTION_IMPORT = 2;
    private static final int SECTION_FUNCTION = 3;
    private static final int SECTION_MEMORY = 5;
    private static final int SECTION_EXPORT = 7;

    /** Export kinds of the binary format. */
    enum ExportKind { FUNCTION, TABLE, MEMORY, GLOBAL, TAG }

    private final List<ImportSpec> imports;
    private final List<FunctionSignature> functionTypes;
    private final Map<String, Integer> functionExports;
    private final Optional<String> memoryExport;
    private final Optional<MemoryLimits> memory;
    private final boolean memoryImported;
    private final int memorySectionStart;
    private final int memorySectionEnd;

    private WasmModuleInfo(List<ImportSpec> imports, List<FunctionSignature> functionTypes, Map<String, Integer> functionExports,
                           Optional<String> memoryExport, Optional<MemoryLimits> memory, boolean memoryImported,
                           int memorySectionStart, int memorySectionEnd) {
        this.imports = List.copyOf(imports);
        this.functionTypes = List.copyOf(functionTypes);
        this.functionExports = Map.copyOf(functionExports);
        this.memoryExport = memoryExport;
        this.memory = memory;
        this.memoryImported = memoryImported;
        this.memorySectionStart = memorySectionStart;
        this.memorySectionEnd = memorySectionEnd;
    }

    /**
     * Reads a module.
     *
     * @throws JshrewException {@link ErrorCode#MODULE_INVALID} naming the module when the bytes are not a module
     *     this reader understands
     */
    static WasmModuleInfo read(String moduleName, byte[] wasm) {
        try {
            return new Reader(wasm).module();
        } catch (Malformed | IndexOutOfBoundsException e) {
            throw new JshrewException(ErrorCode.MODULE_INVALID, "engine " + GraalwasmEngineProvider.NAME + ", module " + moduleName
                    + ": not a valid WebAssembly module: " + e.getMessage(), e);
        }
    }

    List<ImportSpec> imports() {
        return imports;
    }

    /** The signature of an exported function. */
    Optional<FunctionSignature> exportedFunction(String name) {
        Integer index = functionExports.get(name);
        return index == null || index >= functionTypes.size() ? Optional.empty() : Optional.of(functionTypes.get(index));
    }

    /** The name under which the module exports its memory, if it does. */
    Optional<String> memoryExport() {
        return memoryExport;
    }

    /** The module's own memory (not an imported one). */
    Optional<MemoryLimits> memory() {
        return memory;
    }

    boolean memoryImported() {
        return memoryImported;
    }

    /**
     * The module with its (only, own) memory's maximum lowered to {@code maxPages}: how the guest's limit is enforced
     * when the module cannot be rewritten (GraalWasm then enforces it as the declared maximum).
     */
    byte[] withMemoryMaximum(byte[] wasm, int maxPages) {
        MemoryLimits limits = memory.orElseThrow();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(1);                               // one memory
        body.write(1);                               // flags: min and max, not shared, 32-bit
        leb(body, limits.initialPages());
        leb(body, maxPages);
        ByteArrayOutputStream out = new ByteArrayOutputStream(wasm.length + 8);
        out.write(wasm, 0, memorySectionStart);
        out.write(SECTION_MEMORY);
        leb(out, body.size());
        out.writeBytes(body.toByteArray());
        out.write(wasm, memorySectionEnd, wasm.length - memorySectionEnd);
        return out.toByteArray();
    }

    private static void leb(ByteArrayOutputStream out, long value) {
        long v = value;
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            out.write(v == 0 ? b : b | 0x80);
        } while (v != 0);
    }

    /** The bytes do not form what this reader expects. */
    private static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    private static final class Reader {
        private final byte[] b;
        private int p;

        Reader(byte[] bytes) {
            this.b = bytes;
        }

        WasmModuleInfo module() {
            if (b.length < 8 || b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm') {
                throw new Malformed("no WebAssembly magic number");
            }
            if (b[4] != 1 || b[5] != 0 || b[6] != 0 || b[7] != 0) {
                throw new Malformed("unknown binary version");
            }
            p = 8;
            List<FunctionSignature> types = new ArrayList<>();
            List<ImportSpec> imports = new ArrayList<>();
            List<FunctionSignature> functionTypes = new ArrayList<>();
            Map<String, Integer> functionExports = new LinkedHashMap<>();
            String memoryExport = null;
            MemoryLimits memory = null;
            boolean memoryImported = false;
            int memoryStart = -1;
            int memoryEnd = -1;
            while (p < b.length) {
                int sectionStart = p;
                int id = u8();
                long size = u32();
                int end = Math.addExact(p, (int) size);
                if (size > b.length || end > b.length) {
                    throw new Malformed("section " + id + " runs past the end of the module");
                }
                switch (id) {
                    case SECTION_TYPE -> {
                        long n = u32();
                        for (long i = 0; i < n; i++) {
                            if (u8() != 0x60) {
                                throw new Malformed("type " + i + " is not a function type");
                            }
                            List<ValueType> params = valueTypes();
                            List<ValueType> results = valueTypes();
                            types.add(FunctionSignature.of(params, results));
                        }
                    }
                    case SECTION_IMPORT -> {
                        long n = u32();
                        for (long i = 0; i < n; i++) {
                            String module = name();
                            String field = name();
                            int kind = u8();
                            switch (kind) {
                                case 0 -> {
                                    FunctionSignature sig = type(types, u32());
                                    imports.add(new ImportSpec(module, field, ImportSpec.Kind.FUNCTION, Optional.of(sig)));
                                    functionTypes.add(sig);
                                }
                                case 1 -> {
                                    valueType();
                                    limits();
                                    imports.add(new ImportSpec(module, field, ImportSpec.Kind.TABLE, Optional.empty()));
                                }
                                case 2 -> {
                                    limits();
                                    memoryImported = true;
                                    imports.add(new ImportSpec(module, field, ImportSpec.Kind.MEMORY, Optional.empty()));
                                }
                                case 3 -> {
                                    valueType();
                                    u8();
                                    imports.add(new ImportSpec(module, field, ImportSpec.Kind.GLOBAL, Optional.empty()));
                                }
                                case 4 -> {
                                    u8();
                                    u32();
                                    imports.add(new ImportSpec(module, field, ImportSpec.Kind.TAG, Optional.empty()));
                                }
                                default -> throw new Malformed("malformed import kind " + kind);
                            }
                        }
                    }
                    case SECTION_FUNCTION -> {
                        long n = u32();
                        for (long i = 0; i < n; i++) {
                            functionTypes.add(type(types, u32()));
                        }
                    }
                    case SECTION_MEMORY -> {
                        long n = u32();
                        if (n > 1 || (n == 1 && memoryImported)) {
                            throw new Malformed("more than one memory");
                        }
                        if (n == 1) {
                            long[] limits = limits();
                            if (limits[0] > MemoryLimits.MAX_PAGES || (limits[1] >= 0 && limits[1] > MemoryLimits.MAX_PAGES)) {
                                throw new Malformed("memory size must be at most 65536 pages (4 GiB)");
                            }
                            memory = new MemoryLimits((int) limits[0],
                                    limits[1] < 0 || limits[1] >= MemoryLimits.MAX_PAGES ? OptionalInt.empty() : OptionalInt.of((int) limits[1]));
                            memoryStart = sectionStart;
                            memoryEnd = end;
                        }
                    }
                    case SECTION_EXPORT -> {
                        long n = u32();
                        for (long i = 0; i < n; i++) {
                            String exportName = name();
                            int kind = u8();
                            long index = u32();
                            if (kind == 0) {
                                functionExports.put(exportName, (int) index);
                            } else if (kind == 2 && memoryExport == null) {
                                memoryExport = exportName;
                            }
                        }
                    }
                    default -> {
                        // not needed here; GraalWasm validates it
                    }
                }
                if (id == SECTION_TYPE || id == SECTION_IMPORT || id == SECTION_FUNCTION || id == SECTION_MEMORY || id == SECTION_EXPORT) {
                    if (p != end) {
                        throw new Malformed("section " + id + " size mismatch");
                    }
                }
                p = end;
            }
            return new WasmModuleInfo(imports, functionTypes, functionExports, Optional.ofNullable(memoryExport),
                    Optional.ofNullable(memory), memoryImported, memoryStart, memoryEnd);
        }

        private static FunctionSignature type(List<FunctionSignature> types, long index) {
            if (index >= types.size()) {
                throw new Malformed("unknown type " + index);
            }
            return types.get((int) index);
        }

        /** {@code [min, max]}, max -1 when absent. */
        private long[] limits() {
            int flags = u8();
            if ((flags & ~0x07) != 0) {
                throw new Malformed("malformed limits flags " + flags);
            }
            if ((flags & 0x04) != 0) {
                throw new Malformed("64-bit memories are not supported");
            }
            long min = u32();
            long max = (flags & 0x01) != 0 ? u32() : -1;
            return new long[] {min, max};
        }

        private List<ValueType> valueTypes() {
            long n = u32();
            List<ValueType> out = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                out.add(valueType());
            }
            return out;
        }

        private ValueType valueType() {
            int t = u8();
            return switch (t) {
                case 0x7F -> ValueType.I32;
                case 0x7E -> ValueType.I64;
                case 0x7D -> ValueType.F32;
                case 0x7C -> ValueType.F64;
                case 0x7B -> ValueType.V128;
                case 0x70 -> ValueType.FUNCREF;
                case 0x6F -> ValueType.EXTERNREF;
                default -> throw new Malformed("malformed value type 0x" + Integer.toHexString(t));
            };
        }

        private String name() {
            long n = u32();
            if (n > b.length - p) {
                throw new Malformed("name runs past the end of the module");
            }
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b, p, (int) n)).toString();
                p += (int) n;
                return s;
            } catch (CharacterCodingException e) {
                throw new Malformed("malformed UTF-8 encoding");
            }
        }

        private int u8() {
            if (p >= b.length) {
                throw new Malformed("unexpected end");
            }
            return b[p++] & 0xFF;
        }

        private long u32() {
            long result = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int x = u8();
                result |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    if (result > 0xFFFF_FFFFL) {
                        throw new Malformed("integer too large");
                    }
                    return result;
                }
            }
            throw new Malformed("integer representation too long");
        }
    }
}
