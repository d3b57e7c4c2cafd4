package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ValueType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the engine needs to know about a module that the binding does not tell (it lists imports but not exports,
 * and says nothing of memory limits or the start function), read from the binary after wasmtime has validated it,
 * plus two small binary patches (see {@link #patched}). Immutable.
 *
 * <p>Only the sections it needs are decoded: types, imports, functions, memories, exports and start. The reader
 * trusts the bytes to be valid (wasmtime validated them) but still fails cleanly, with
 * {@link IllegalArgumentException}, on anything it does not understand.
 */
final class ModuleShape {
    /** Export name under which {@link #patched} exposes the start function. */
    static final String START_EXPORT = "__jshrew_wasmtime_start";
    /** Export name under which {@link #patched} exposes the module's memory (host functions use memory 0). */
    static final String MEMORY_EXPORT = "__jshrew_wasmtime_memory";

    private static final int SECTION_TYPE = 1;
    private static final int SECTION_IMPORT = 2;
    private static final int SECTION_FUNCTION = 3;
    private static final int SECTION_MEMORY = 5;
    private static final int SECTION_EXPORT = 7;
    private static final int SECTION_START = 8;

    /** A section: id and the byte range of its contents. */
    private record Section(int id, int start, int end, int headerStart) {}

    /** An export: its kind (0 function, 1 table, 2 memory, 3 global) and index. */
    private record Export(int kind, int index) {}

    private final byte[] bytes;
    private final List<Section> sections;
    private final List<FunctionSignature> types = new ArrayList<>();
    private final List<ImportSpec> imports = new ArrayList<>();
    private final List<Integer> functionTypes = new ArrayList<>();
    private final Map<String, Export> exports = new HashMap<>();
    private Optional<MemoryLimits> memory = Optional.empty();
    private OptionalInt start = OptionalInt.empty();

    private ModuleShape(byte[] bytes) {
        this.bytes = bytes;
        this.sections = sections(bytes);
        for (Section s : sections) {
            Reader r = new Reader(bytes, s.start(), s.end());
            switch (s.id()) {
                case SECTION_TYPE -> readTypes(r);
                case SECTION_IMPORT -> readImports(r);
                case SECTION_FUNCTION -> {
                    for (long n = r.u32(); n > 0; n--) {
                        functionTypes.add((int) r.u32());
                    }
                }
                case SECTION_MEMORY -> {
                    if (r.u32() > 0) {
                        memory = Optional.of(readMemoryLimits(r));
                    }
                }
                case SECTION_EXPORT -> {
                    for (long n = r.u32(); n > 0; n--) {
                        String name = r.name();
                        int kind = r.u8();
                        exports.put(name, new Export(kind, (int) r.u32()));
                    }
                }
                case SECTION_START -> start = OptionalInt.of((int) r.u32());
                default -> { }
            }
        }
    }

    /** Reads a module that wasmtime has already validated. */
    static ModuleShape of(byte[] wasm) {
        return new ModuleShape(wasm.clone());
    }

    List<ImportSpec> imports() {
        return List.copyOf(imports);
    }

    /** The module's own memory (an imported one does not count, as on every engine), if any. */
    Optional<MemoryLimits> memory() {
        return memory;
    }

    /** The signature of the function exported as {@code name}, if there is one. */
    Optional<FunctionSignature> exportedFunction(String name) {
        Export e = exports.get(name);
        if (e == null || e.kind() != 0) {
            return Optional.empty();
        }
        return Optional.of(functionType(e.index()));
    }

    boolean hasStart() {
        return start.isPresent();
    }

    private FunctionSignature functionType(int index) {
        int imported = 0;
        for (ImportSpec spec : imports) {
            if (spec.kind() == ImportSpec.Kind.FUNCTION) {
                if (imported == index) {
                    return spec.signature().orElseThrow();
                }
                imported++;
            }
        }
        return types.get(functionTypes.get(index - imported));
    }

    /**
     * The module with two changes that no guest can observe:
     * <ul>
     *   <li>with {@code maximumPages} present, its memory's declared maximum becomes {@code min(declared, maximumPages)}:
     *       the binding has no store limits, and this is how {@code memory.grow} past the configured guest limit
     *       returns -1 on a plain instance, exactly as past a declared maximum;</li>
     *   <li>the start section is removed and the start function exported as {@link #START_EXPORT}, so the engine
     *       runs it as a call right after instantiation: a trap there then reports its kind (wasmtime's
     *       instantiation error carries only a backtrace), and runs after data and element segments, exactly as
     *       the start section would;</li>
     *   <li>the module's memory is also exported as {@link #MEMORY_EXPORT}: host functions work on the module's
     *       own memory whatever the guest calls it, as on every engine.</li>
     * </ul>
     */
    byte[] patched(OptionalInt maximumPages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 64);
        out.write(bytes, 0, 8);
        boolean extraExports = start.isPresent() || addsMemoryExport();
        boolean exportWritten = false;
        for (Section s : sections) {
            if (extraExports && !exportWritten && s.id() != 0 && order(s.id()) > order(SECTION_EXPORT)) {
                writeSection(out, SECTION_EXPORT, exportsWithExtras(null));
                exportWritten = true;
            }
            switch (s.id()) {
                case SECTION_START -> {
                    if (start.isEmpty()) {
                        copy(out, s);
                    }
                }
                case SECTION_EXPORT -> {
                    if (extraExports) {
                        writeSection(out, SECTION_EXPORT, exportsWithExtras(s));
                        exportWritten = true;
                    } else {
                        copy(out, s);
                    }
                }
                case SECTION_MEMORY -> {
                    if (maximumPages.isPresent() && memory.isPresent()) {
                        writeSection(out, SECTION_MEMORY, memoryWithMaximum(s, maximumPages.getAsInt()));
                    } else {
                        copy(out, s);
                    }
                }
                default -> copy(out, s);
            }
        }
        if (extraExports && !exportWritten) {
            writeSection(out, SECTION_EXPORT, exportsWithExtras(null));
        }
        return out.toByteArray();
    }

    private byte[] exportsWithExtras(Section existing) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long count = 0;
        byte[] entries = new byte[0];
        if (existing != null) {
            Reader r = new Reader(bytes, existing.start(), existing.end());
            count = r.u32();
            entries = java.util.Arrays.copyOfRange(bytes, r.position(), existing.end());
        }
        if (start.isPresent() && exports.containsKey(START_EXPORT)) {
            throw new IllegalArgumentException("the module has a start function and already exports the name " + START_EXPORT);
        }
        boolean addMemory = addsMemoryExport();
        writeU32(body, count + (start.isPresent() ? 1 : 0) + (addMemory ? 1 : 0));
        body.writeBytes(entries);
        if (start.isPresent()) {
            writeExport(body, START_EXPORT, 0, start.getAsInt());
        }
        if (addMemory) {
            writeExport(body, MEMORY_EXPORT, 2, (int) imports.stream().filter(i -> i.kind() == ImportSpec.Kind.MEMORY).count());
        }
        return body.toByteArray();
    }

    /** Whether {@link #patched} adds {@link #MEMORY_EXPORT} (not when an earlier patch did, so it is idempotent). */
    private boolean addsMemoryExport() {
        if (memory.isEmpty()) {
            return false;
        }
        Export existing = exports.get(MEMORY_EXPORT);
        if (existing != null && existing.kind() != 2) {
            throw new IllegalArgumentException("the module exports the name " + MEMORY_EXPORT + " as something else than a memory");
        }
        return existing == null;
    }

    private static void writeExport(ByteArrayOutputStream body, String name, int kind, int index) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        writeU32(body, utf8.length);
        body.writeBytes(utf8);
        body.write(kind);
        writeU32(body, index);
    }

    private byte[] memoryWithMaximum(Section s, int maximumPages) {
        Reader r = new Reader(bytes, s.start(), s.end());
        long count = r.u32();
        int flags = r.u8();
        if ((flags & ~0x03) != 0) {
            throw new IllegalArgumentException("unsupported memory flags 0x" + Integer.toHexString(flags));
        }
        long min = r.u32();
        long max = (flags & 1) != 0 ? r.u32() : MemoryLimits.MAX_PAGES;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeU32(body, count);
        body.write(flags | 1);
        writeU32(body, min);
        writeU32(body, Math.min(max, maximumPages));
        body.write(bytes, r.position(), s.end() - r.position());
        return body.toByteArray();
    }

    private void copy(ByteArrayOutputStream out, Section s) {
        out.write(bytes, s.headerStart(), s.end() - s.headerStart());
    }

    private static void writeSection(ByteArrayOutputStream out, int id, byte[] body) {
        out.write(id);
        writeU32(out, body.length);
        out.writeBytes(body);
    }

    private static void writeU32(ByteArrayOutputStream out, long value) {
        long v = value;
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            out.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }

    /** Position of a known section in the required order (custom sections may go anywhere). */
    private static int order(int id) {
        return switch (id) {
            case 1, 2, 3, 4, 5 -> id;
            case 13 -> 6;   // tag
            case 6 -> 7;    // global
            case 7 -> 8;    // export
            case 8 -> 9;    // start
            case 9 -> 10;   // element
            case 12 -> 11;  // data count
            case 10 -> 12;  // code
            case 11 -> 13;  // data
            default -> 0;
        };
    }

    private static List<Section> sections(byte[] bytes) {
        if (bytes.length < 8 || bytes[0] != 0 || bytes[1] != 'a' || bytes[2] != 's' || bytes[3] != 'm') {
            throw new IllegalArgumentException("not a WebAssembly binary");
        }
        List<Section> out = new ArrayList<>();
        Reader r = new Reader(bytes, 8, bytes.length);
        while (r.position() < bytes.length) {
            int header = r.position();
            int id = r.u8();
            long size = r.u32();
            int start = r.position();
            if (start + size > bytes.length) {
                throw new IllegalArgumentException("section " + id + " runs past the end");
            }
            out.add(new Section(id, start, (int) (start + size), header));
            r.skip((int) size);
        }
        return out;
    }

    private void readTypes(Reader r) {
        for (long n = r.u32(); n > 0; n--) {
            int form = r.u8();
            if (form != 0x60) {
                throw new IllegalArgumentException("unsupported type form 0x" + Integer.toHexString(form));
            }
            List<ValueType> params = valueTypes(r);
            List<ValueType> results = valueTypes(r);
            types.add(FunctionSignature.of(params, results));
        }
    }

    private static List<ValueType> valueTypes(Reader r) {
        List<ValueType> out = new ArrayList<>();
        for (long n = r.u32(); n > 0; n--) {
            int t = r.u8();
            out.add(switch (t) {
                case 0x7F -> ValueType.I32;
                case 0x7E -> ValueType.I64;
                case 0x7D -> ValueType.F32;
                case 0x7C -> ValueType.F64;
                case 0x7B -> ValueType.V128;
                case 0x70 -> ValueType.FUNCREF;
                case 0x6F -> ValueType.EXTERNREF;
                default -> throw new IllegalArgumentException("unsupported value type 0x" + Integer.toHexString(t));
            });
        }
        return out;
    }

    private void readImports(Reader r) {
        for (long n = r.u32(); n > 0; n--) {
            String module = r.name();
            String name = r.name();
            int kind = r.u8();
            switch (kind) {
                case 0x00 -> imports.add(new ImportSpec(module, name, ImportSpec.Kind.FUNCTION,
                        Optional.of(types.get((int) r.u32()))));
                case 0x01 -> {
                    r.u8();
                    readLimits(r);
                    imports.add(new ImportSpec(module, name, ImportSpec.Kind.TABLE, Optional.empty()));
                }
                case 0x02 -> {
                    readLimits(r);
                    imports.add(new ImportSpec(module, name, ImportSpec.Kind.MEMORY, Optional.empty()));
                }
                case 0x03 -> {
                    r.u8();
                    r.u8();
                    imports.add(new ImportSpec(module, name, ImportSpec.Kind.GLOBAL, Optional.empty()));
                }
                case 0x04 -> {
                    r.u8();
                    r.u32();
                    imports.add(new ImportSpec(module, name, ImportSpec.Kind.TAG, Optional.empty()));
                }
                default -> throw new IllegalArgumentException("unknown import kind " + kind);
            }
        }
    }

    private static long[] readLimits(Reader r) {
        int flags = r.u8();
        if ((flags & 0x04) != 0) {
            throw new IllegalArgumentException("64-bit memories are not supported");
        }
        long min = r.u32();
        long max = (flags & 1) != 0 ? r.u32() : -1;
        return new long[] {min, max};
    }

    private static MemoryLimits readMemoryLimits(Reader r) {
        long[] limits = readLimits(r);
        OptionalInt max = limits[1] < 0 || limits[1] >= MemoryLimits.MAX_PAGES ? OptionalInt.empty() : OptionalInt.of((int) limits[1]);
        return new MemoryLimits((int) limits[0], max);
    }

    /** A cursor over a byte range: LEB128 and names. */
    private static final class Reader {
        private final byte[] bytes;
        private final int end;
        private int pos;

        Reader(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.pos = start;
            this.end = end;
        }

        int position() {
            return pos;
        }

        int u8() {
            if (pos >= end) {
                throw new IllegalArgumentException("unexpected end of section");
            }
            return bytes[pos++] & 0xFF;
        }

        long u32() {
            long result = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = u8();
                result |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("LEB128 integer too long");
        }

        String name() {
            int len = (int) u32();
            if (pos + len > end) {
                throw new IllegalArgumentException("name runs past its section");
            }
            String s = new String(bytes, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return s;
        }

        void skip(int n) {
            pos += n;
        }
    }
}
