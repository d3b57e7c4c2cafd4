package dev.jshrew.engine.toolkit.wasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.engine.toolkit.wasm.WasmReader.Malformed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What an engine needs to know about a module that its own API does not tell, read from the binary by the
 * rewrite's reader: the imports with their types, the signatures of the exported functions, the module's own memory
 * (its limits, the name it is exported under), whether the memory is imported and whether there is a start
 * function; plus the small binary patches engines apply before instantiating ({@link #patched}).
 *
 * <p>Only the module's interface is decoded (types, imports, functions, memory, exports, start); every other
 * section is framed by its size and left to the engine to validate. Unlike {@link ResettableModule#rewrite},
 * nothing is refused for the in-place reset's sake: SIMD, imported memories and tables and exception tags are read.
 * A module with more than one memory, a shared or 64-bit memory or types the engine SPI cannot express (GC types)
 * cannot be read: every engine reads its modules here first, so they all refuse these the same way.
 *
 * <p>Immutable and thread-safe.
 */
public final class ModuleFacts {
    private static final int EXPORT_FUNCTION = 0, EXPORT_MEMORY = 2;

    private final ParsedModule m;
    private final List<ImportSpec> imports;
    private final Map<String, FunctionSignature> functionExports;
    private final Optional<MemoryLimits> memory;
    private final Optional<String> memoryExportName;

    private ModuleFacts(ParsedModule m) {
        this.m = m;
        List<ImportSpec> importSpecs = new ArrayList<>(m.imports.size());
        List<FunctionSignature> functions = new ArrayList<>(m.functionCount());
        for (ParsedModule.Import i : m.imports) {
            ImportSpec spec = switch (i.kind()) {
                case 0x00 -> {
                    FunctionSignature signature = m.types.get(i.typeIndex());
                    functions.add(signature);
                    yield new ImportSpec(i.module(), i.name(), ImportSpec.Kind.FUNCTION, Optional.of(signature));
                }
                case 0x01 -> new ImportSpec(i.module(), i.name(), ImportSpec.Kind.TABLE, Optional.empty());
                case 0x02 -> new ImportSpec(i.module(), i.name(), ImportSpec.Kind.MEMORY, Optional.empty());
                case 0x03 -> new ImportSpec(i.module(), i.name(), ImportSpec.Kind.GLOBAL, Optional.empty());
                case 0x04 -> new ImportSpec(i.module(), i.name(), ImportSpec.Kind.TAG, Optional.empty());
                default -> throw new IllegalStateException("import kind " + i.kind());
            };
            importSpecs.add(spec);
        }
        for (int type : m.funcTypes) {
            functions.add(m.types.get(type));
        }
        this.imports = List.copyOf(importSpecs);
        Map<String, FunctionSignature> exported = new HashMap<>();
        String memoryExport = null;
        for (ParsedModule.Export e : m.exports) {
            if (e.kind() == EXPORT_FUNCTION) {
                exported.put(e.name(), functions.get(e.index()));
            } else if (e.kind() == EXPORT_MEMORY && memoryExport == null) {
                memoryExport = e.name();
            }
        }
        this.functionExports = Map.copyOf(exported);
        this.memoryExportName = Optional.ofNullable(memoryExport);
        this.memory = m.hasMemory
                ? Optional.of(new MemoryLimits(
                        m.memInitial,
                        m.memMax < 0 || m.memMax >= MemoryLimits.MAX_PAGES
                                ? OptionalInt.empty()
                                : OptionalInt.of((int) m.memMax)))
                : Optional.empty();
    }

    /**
     * Reads a module's interface.
     *
     * @param context names the engine and the module for messages, e.g. {@code "engine wasmtime, module foo.wasm"}
     * @param wasm the module's binary (copied)
     * @throws JshrewException {@link ErrorCode#MODULE_INVALID}, its message starting with {@code context}, when the
     *     bytes are not a module this reader can read
     */
    public static ModuleFacts read(String context, byte[] wasm) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(wasm, "wasm");
        try {
            return new ModuleFacts(ParsedModule.parseInterface(wasm.clone()));
        } catch (Malformed e) {
            throw new JshrewException(
                    ErrorCode.MODULE_INVALID,
                    context + ": cannot read the module: malformed or"
                            + " unsupported WebAssembly at offset " + e.offset + " (0x" + Integer.toHexString(e.offset)
                            + "): "
                            + e.getMessage(),
                    e);
        }
    }

    /** The module's imports, in order. */
    public List<ImportSpec> imports() {
        return imports;
    }

    /** The signature of the function exported as {@code name}, if the module exports a function under that name. */
    public Optional<FunctionSignature> exportedFunction(String name) {
        return Optional.ofNullable(functionExports.get(name));
    }

    /**
     * The limits of the module's own memory, if it defines one (an imported memory does not count). A declared
     * maximum of 65536 pages reads as no maximum.
     */
    public Optional<MemoryLimits> memory() {
        return memory;
    }

    /** The first name under which the module exports a memory, if it does. */
    public Optional<String> memoryExportName() {
        return memoryExportName;
    }

    /** Whether the module imports its memory. */
    public boolean memoryImported() {
        return m.memImports > 0;
    }

    /** Whether the module has a start function. */
    public boolean hasStart() {
        return m.start >= 0;
    }

    /**
     * The module with its own memory's declared maximum lowered to {@code maximumPages} (kept when it is already
     * lower): {@code memory.grow} beyond it then returns -1 on any engine. Unchanged when the module defines no
     * memory.
     *
     * @throws IllegalArgumentException when {@code maximumPages} is outside {@code [0, 65536]}
     */
    public byte[] withMemoryMaximum(int maximumPages) {
        return patched(Patch.NONE.withMemoryMaximum(maximumPages));
    }

    /**
     * The module with {@code patch} applied in one pass; every section the patch does not touch is copied as it is.
     *
     * @throws IllegalArgumentException when an export the patch adds collides with one of the module's: the start
     *     export name already exported, or the memory export name exported as something else than a memory
     */
    public byte[] patched(Patch patch) {
        Objects.requireNonNull(patch, "patch");
        boolean capMemory = patch.memoryMaximumPages().isPresent() && m.hasMemory;
        List<ParsedModule.Export> added = new ArrayList<>(2);
        boolean hoistStart = patch.startExport().isPresent() && m.start >= 0;
        if (hoistStart) {
            String name = patch.startExport().orElseThrow();
            if (export(name) != null) {
                throw new IllegalArgumentException(
                        "the module has a start function and already exports the name " + name);
            }
            added.add(new ParsedModule.Export(name, EXPORT_FUNCTION, m.start));
        }
        if (patch.memoryExport().isPresent() && m.hasMemory) {
            String name = patch.memoryExport().orElseThrow();
            ParsedModule.Export existing = export(name);
            if (existing == null) {
                added.add(new ParsedModule.Export(name, EXPORT_MEMORY, m.memImports));
            } else if (existing.kind() != EXPORT_MEMORY) {
                throw new IllegalArgumentException(
                        "the module exports the name " + name + " as something else than a memory");
            }
        }
        WasmWriter out = new WasmWriter(m.wasm.length + 64);
        out.bytes(m.wasm, 0, 8);
        boolean exportsWritten = added.isEmpty();
        for (ParsedModule.Section s : m.sections) {
            if (!exportsWritten
                    && s.id() != ParsedModule.SEC_CUSTOM
                    && ParsedModule.orderOf(s.id()) > ParsedModule.orderOf(ParsedModule.SEC_EXPORT)) {
                out.u8(ParsedModule.SEC_EXPORT).sized(exportSection(added));
                exportsWritten = true;
            }
            if (s.id() == ParsedModule.SEC_EXPORT && !added.isEmpty()) {
                out.u8(ParsedModule.SEC_EXPORT).sized(exportSection(added));
                exportsWritten = true;
            } else if (s.id() == ParsedModule.SEC_MEMORY && capMemory) {
                out.u8(ParsedModule.SEC_MEMORY)
                        .sized(memorySection(patch.memoryMaximumPages().getAsInt()));
            } else if (!(s.id() == ParsedModule.SEC_START && hoistStart)) {
                out.bytes(m.wasm, s.header(), s.end() - s.header());
            }
        }
        if (!exportsWritten) {
            out.u8(ParsedModule.SEC_EXPORT).sized(exportSection(added));
        }
        return out.toByteArray();
    }

    private ParsedModule.Export export(String name) {
        for (ParsedModule.Export e : m.exports) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private WasmWriter exportSection(List<ParsedModule.Export> added) {
        WasmWriter s = new WasmWriter();
        s.u32(m.exports.size() + added.size());
        for (List<ParsedModule.Export> list : List.of(m.exports, added)) {
            for (ParsedModule.Export e : list) {
                s.name(e.name()).u8(e.kind()).u32(e.index());
            }
        }
        return s;
    }

    private WasmWriter memorySection(int maximumPages) {
        long declared = m.memMax < 0 ? MemoryLimits.MAX_PAGES : m.memMax;
        return new WasmWriter(16).u32(1).u8(m.memFlags | 1).u32(m.memInitial).u32((int)
                Math.min(declared, maximumPages));
    }

    /**
     * Changes {@link #patched} makes, none of which a guest can observe beyond what each says. Immutable.
     *
     * @param memoryMaximumPages when present, the own memory's declared maximum becomes {@code min(declared, this)}
     * @param startExport when present and the module has a start function, the start section is removed and the
     *     start function exported under this name, so the engine can call it right after instantiation (after data
     *     and element segments, where the start section would run it)
     * @param memoryExport when present and the module defines its own memory, that memory is also exported under
     *     this name (nothing is added when the module already exports a memory under it, so the patch can be repeated)
     */
    public record Patch(OptionalInt memoryMaximumPages, Optional<String> startExport, Optional<String> memoryExport) {
        /** No change. */
        public static final Patch NONE = new Patch(OptionalInt.empty(), Optional.empty(), Optional.empty());

        public Patch {
            Objects.requireNonNull(memoryMaximumPages, "memoryMaximumPages");
            Objects.requireNonNull(startExport, "startExport");
            Objects.requireNonNull(memoryExport, "memoryExport");
            if (memoryMaximumPages.isPresent()
                    && (memoryMaximumPages.getAsInt() < 0 || memoryMaximumPages.getAsInt() > MemoryLimits.MAX_PAGES)) {
                throw new IllegalArgumentException("memory maximum out of range: " + memoryMaximumPages.getAsInt());
            }
            if (startExport.isPresent() && startExport.equals(memoryExport)) {
                throw new IllegalArgumentException(
                        "the start function and the memory cannot share the export name " + startExport.orElseThrow());
            }
        }

        /** This patch, also lowering the memory's maximum to {@code pages}. */
        public Patch withMemoryMaximum(int pages) {
            return new Patch(OptionalInt.of(pages), startExport, memoryExport);
        }

        /** This patch, also hoisting the start function into the export {@code name}. */
        public Patch withStartExportedAs(String name) {
            return new Patch(memoryMaximumPages, Optional.of(name), memoryExport);
        }

        /** This patch, also exporting the own memory as {@code name}. */
        public Patch withMemoryExportedAs(String name) {
            return new Patch(memoryMaximumPages, startExport, Optional.of(name));
        }
    }
}
