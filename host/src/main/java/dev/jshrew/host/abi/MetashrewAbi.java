package dev.jshrew.host.abi;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The metashrew host imports (METASHREW-ABI §1): {@code __host_len}, {@code __load_input}, {@code __get_len},
 * {@code __get}, {@code __flush}, {@code __log} and AssemblyScript's {@code abort}, all in module {@code env}.
 * Any other function import is bound to a stub that traps when called (C-01).
 *
 * <p>Deliberate differences from the original, as the spec recommends: pointers are unsigned (C-62); an
 * out-of-bounds host write traps the call instead of killing the process; {@code abort} traps at once (C-12);
 * a malformed flush marks the call failed (C-31).
 */
public final class MetashrewAbi {
    /** The import module of every host function. */
    public static final String MODULE = "env";

    private static final FunctionSignature VOID_TO_I32 = sig(List.of(), List.of(ValueType.I32));
    private static final FunctionSignature I32_TO_VOID = sig(List.of(ValueType.I32), List.of());
    private static final FunctionSignature I32_TO_I32 = sig(List.of(ValueType.I32), List.of(ValueType.I32));
    private static final FunctionSignature I32_I32_TO_VOID = sig(List.of(ValueType.I32, ValueType.I32), List.of());
    private static final FunctionSignature ABORT =
            sig(List.of(ValueType.I32, ValueType.I32, ValueType.I32, ValueType.I32), List.of());

    /** The exact wasm type of each host import (C-02). */
    public static final Map<String, FunctionSignature> SIGNATURES = Map.of(
            "__host_len", VOID_TO_I32,
            "__load_input", I32_TO_VOID,
            "__get_len", I32_TO_I32,
            "__get", I32_I32_TO_VOID,
            "__flush", I32_TO_VOID,
            "__log", I32_TO_VOID,
            "abort", ABORT);

    /** What {@code __get_len} returns for an invalid key buffer. */
    public static final int INVALID_KEY = 0x7FFFFFFF;

    private static final long[] NONE = new long[0];

    private final CallContext context;
    private final Consumer<String> log;
    private final dev.jshrew.api.engine.KeyFilter keyFilter;
    private final dev.jshrew.api.engine.ValueTable valueTable;

    /**
     * @param context the per-call state these functions read and write
     * @param log where {@code __log} text goes (the original prints it unchanged to stdout)
     */
    public MetashrewAbi(CallContext context, Consumer<String> log) {
        this(context, log, null);
    }

    /**
     * @param keyFilter every key that has a value at the reads' height, or more ({@code __get_len}'s {@link
     *     HostFunction.ValueLength#keyFilter()}), or null; its owner switches it off for a call whose reads see the
     *     call's own writes
     */
    public MetashrewAbi(CallContext context, Consumer<String> log, dev.jshrew.api.engine.KeyFilter keyFilter) {
        this(context, log, keyFilter, null);
    }

    /**
     * @param valueTable values of keys at the reads' height ({@code __get_len}'s {@link
     *     HostFunction.ValueLength#valueTable()}), or null; its owner keeps it true of the reads and switches it off
     *     for a call whose reads it does not describe
     */
    public MetashrewAbi(
            CallContext context,
            Consumer<String> log,
            dev.jshrew.api.engine.KeyFilter keyFilter,
            dev.jshrew.api.engine.ValueTable valueTable) {
        this.context = context;
        this.log = log;
        this.keyFilter = keyFilter;
        this.valueTable = valueTable;
    }

    private static FunctionSignature sig(List<ValueType> params, List<ValueType> results) {
        return FunctionSignature.of(params, results);
    }

    /**
     * Host functions for every function import of a module: the ABI functions it imports, type-checked, and
     * trapping stubs for the rest.
     *
     * @throws JshrewException {@link ErrorCode#LINK} for an ABI import with the wrong type, or a non-function import
     */
    public List<HostFunction> bind(List<ImportSpec> imports, String moduleName) {
        List<HostFunction> functions = new ArrayList<>();
        for (ImportSpec spec : imports) {
            if (spec.kind() != ImportSpec.Kind.FUNCTION) {
                throw new JshrewException(
                        ErrorCode.LINK,
                        "module " + moduleName + " imports "
                                + spec.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + spec.module() + "."
                                + spec.name() + ", which a metashrew host does not provide");
            }
            FunctionSignature declared = spec.signature().orElseThrow();
            FunctionSignature expected = MODULE.equals(spec.module()) ? SIGNATURES.get(spec.name()) : null;
            if (expected == null) {
                functions.add(new HostFunction(spec.module(), spec.name(), declared, (HostFunction.Restartable)
                        (m, a) -> {
                            throw new GuestTrapException(
                                    Trap.UNKNOWN_IMPORT,
                                    "called import " + spec.module() + "." + spec.name()
                                            + ", which the host does not provide");
                        }));
                continue;
            }
            if (!expected.equals(declared)) {
                throw new JshrewException(
                        ErrorCode.LINK,
                        "module " + moduleName + " imports " + MODULE + "." + spec.name() + " with type " + declared
                                + " but the host provides " + expected);
            }
            functions.add(new HostFunction(MODULE, spec.name(), expected, implementation(spec.name())));
        }
        return functions;
    }

    /**
     * The ABI functions' bodies. Each is {@link HostFunction.Restartable}: nothing it does matters outside it (a
     * memory write, a flush or a log line) before its last guest-memory access.
     */
    private HostFunction.Restartable implementation(String name) {
        return switch (name) {
            case "__host_len" -> (m, a) -> new long[] {context.payload().length + 4L};
            case "__load_input" -> (m, a) -> loadInput(m, u32(a[0]));
            case "__get_len" -> new GetLen();
            case "__get" -> (m, a) -> get(m, u32(a[0]), u32(a[1]));
            case "__flush" -> (m, a) -> flush(m, u32(a[0]));
            case "__log" -> (m, a) -> log(m, u32(a[0]));
            case "abort" -> (m, a) -> abort(m, a);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static long u32(long arg) {
        return arg & 0xFFFF_FFFFL;
    }

    private long[] loadInput(GuestMemory memory, long ptr) {
        byte[] payload = context.payload();
        // Checked as one write of u32le(height) ‖ payload; written in two parts so the block is not copied first.
        checkWrite(memory, ptr, 4L + payload.length, "__load_input");
        memory.writeInt(ptr, (int) context.height());
        memory.write(ptr + 4, payload);
        return NONE;
    }

    /**
     * Reads the buffer at {@code ptr} (length word at ptr-4), or null when it is invalid (§1.2, with unsigned
     * pointers).
     */
    public static byte[] readBuffer(GuestMemory memory, long ptr) {
        long size = memory.byteSize();
        if (ptr < 4 || ptr > size) {
            return null;
        }
        long len = memory.readInt(ptr - 4) & 0xFFFF_FFFFL;
        if (ptr + len > size) {
            return null;
        }
        return memory.read(ptr, (int) len);
    }

    /**
     * {@code __get_len}, which hands the value it measured to an engine that can make {@code __get}'s call itself:
     * when the call's reads cannot change ({@link CallContext#readsAreStable()}), {@code __get} of an equal key
     * writes exactly that value.
     */
    private final class GetLen implements HostFunction.ValueLength {
        private byte[] last;

        @Override
        public long[] call(GuestMemory memory, long[] args) {
            last = null;
            byte[] key = readBuffer(memory, u32(args[0]));
            if (key == null) {
                return new long[] {INVALID_KEY};
            }
            byte[] value = context.read(key);
            last = context.readsAreStable() ? value : null;
            return new long[] {value.length};
        }

        @Override
        public String companion() {
            return "__get";
        }

        @Override
        public byte[] lastValue() {
            return last;
        }

        @Override
        public dev.jshrew.api.engine.KeyFilter keyFilter() {
            return keyFilter;
        }

        @Override
        public dev.jshrew.api.engine.ValueTable valueTable() {
            return valueTable;
        }
    }

    private long[] get(GuestMemory memory, long keyPtr, long valuePtr) {
        byte[] key = readBuffer(memory, keyPtr);
        if (key == null) {
            checkWrite(memory, valuePtr - 4, 4, "__get");
            memory.writeInt(valuePtr - 4, INVALID_KEY);
            return NONE;
        }
        byte[] value = context.read(key);
        if (value.length > 0) {
            checkWrite(memory, valuePtr, value.length, "__get");
            memory.write(valuePtr, value);
        }
        return NONE;
    }

    private long[] flush(GuestMemory memory, long ptr) {
        if (context.mode() != CallContext.Mode.INDEX) {
            return NONE;
        }
        byte[] payload = readBuffer(memory, ptr);
        dev.jshrew.host.CrashPoint.reach("flush", context.height());
        if (payload == null) {
            context.fail("__flush got an invalid buffer pointer " + ptr);
            return NONE;
        }
        try {
            context.flushed(FlushDecoder.decode(payload));
        } catch (FlushDecoder.MalformedFlushException e) {
            context.fail("__flush payload is not a KeyValueFlush: " + e.getMessage());
        }
        return NONE;
    }

    private long[] log(GuestMemory memory, long ptr) {
        byte[] bytes = readBuffer(memory, ptr);
        if (bytes == null) {
            return NONE;
        }
        try {
            String text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            log.accept(text);
        } catch (CharacterCodingException e) {
            // Invalid UTF-8 is ignored silently, as in the original (C-11).
        }
        return NONE;
    }

    private long[] abort(GuestMemory memory, long[] args) {
        String message = asString(memory, u32(args[0]));
        String file = asString(memory, u32(args[1]));
        String where = file == null ? "" : " at " + file + ":" + args[2] + ":" + args[3];
        context.fail("guest called abort" + (message == null ? "" : ": " + message) + where);
        throw new GuestTrapException(Trap.HOST, "guest called abort" + (message == null ? "" : ": " + message) + where);
    }

    /** An AssemblyScript string (UTF-16LE, byte length at p-4), or null. */
    private static String asString(GuestMemory memory, long ptr) {
        try {
            byte[] bytes = readBuffer(memory, ptr);
            return bytes == null || bytes.length == 0 ? null : new String(bytes, StandardCharsets.UTF_16LE);
        } catch (GuestTrapException e) {
            return null;
        }
    }

    private static void checkWrite(GuestMemory memory, long ptr, long length, String function) {
        if (ptr < 0 || ptr + length > memory.byteSize()) {
            throw new GuestTrapException(
                    Trap.MEMORY_OUT_OF_BOUNDS,
                    function + " would write " + length + " bytes at " + ptr + ", outside guest memory of "
                            + memory.byteSize() + " bytes");
        }
    }
}
