package dev.jshrew.engine.toolkit.wasm;

import java.util.Objects;

/**
 * An engine-neutral rewrite of a guest module that lets any engine reset an instance in place, at a cost in
 * proportion to the memory the guest touched, to a state indistinguishable from a fresh instantiation.
 *
 * <p>The engine instantiates {@link #bytes()} instead of the original, once; grows its memory physically to
 * {@link #limitPages()} with {@link #GROW_PHYSICAL_EXPORT} and commits it; then, between calls, invokes
 * {@link #RESET_EXPORT}. What the rewrite does:
 * <ul>
 *   <li>{@code memory.size} reads, and {@code memory.grow} moves, a virtual page count (exported global
 *       {@link #PAGES_EXPORT}); a grow within the guest's limit always succeeds (the pages exist), one beyond it
 *       returns -1; a grow past the current physical size (e.g. in a start function, before the engine grew the
 *       memory) really grows it first; every successful grow that raises the count calls the import {@link
 * #HOOK_MODULE}.{@link
 *       #GROW_HOOK} {@code (oldPages, newPages)} so an engine can open the pages (e.g. {@code mprotect}) before
 *       the guest touches them. The high-water mark is exported as {@link #HIGH_WATER_EXPORT}.</li>
 *   <li>The declared memory becomes {@code (memory initialPages)} with no maximum (the physical growth needs
 *       room); the guest's own limit is enforced by the virtual grow.</li>
 *   <li>Bulk memory instructions ({@code memory.fill}, {@code memory.copy}, {@code memory.init}) are checked
 *       against the virtual size first and trap as out of bounds (a real out-of-bounds access) when they would
 *       touch past it. With {@link Options#checkLoadsAndStores()}, so is every load and store (for engines whose
 *       out-of-bounds traps cannot come from guard pages).</li>
 *   <li>Active data segments also get passive copies; {@code data.drop}/{@code memory.init} on the module's own
 *       segments go through per-segment "dropped" flags instead of really dropping, so a reset can undo them
 *       (an active segment counts as dropped after instantiation, as the spec says).</li>
 *   <li>The exported {@link #RESET_EXPORT} {@code () -> ()} zeroes {@code [0, highWater × 64 KiB)}, sets the
 *       virtual size back to the initial pages, re-applies the data segments, restores every mutable global
 *       (and table contents, re-applying element segments) to its initial value, clears the dropped flags, and
 *       finally runs the module's start function again, if it has one.</li>
 * </ul>
 * Modules the rewrite cannot make resettable (SIMD, threads/atomics, multiple memories, imported memories,
 * exceptions, GC, {@code table.grow}, 64-bit memories) are refused by {@link #rewrite} with a message naming the
 * instruction or feature, so the operator can choose {@code --reset fresh}. So are imported tables and imported
 * mutable globals (state outside the instance that a reset cannot restore).
 *
 * <p>What the engine must still do itself: make a guest access between the virtual and the physical size trap
 * (unless {@link #checksLoadsAndStores()}), and check host accesses to guest memory (the metashrew imports) against
 * the virtual size, {@link #PAGES_EXPORT} × 64 KiB, not against the physical memory. The grow hook can also be called
 * while the module is being instantiated, and by a reset, if the start function grows memory. A trap inside
 * {@link #RESET_EXPORT} (only possible from the start function) leaves the instance unusable: instantiate afresh.
 */
public final class ResettableModule {
    /** {@code () -> ()}: brings the instance back to its post-instantiation state. */
    public static final String RESET_EXPORT = "__jshrew_reset";
    /** {@code (i32 pages) -> i32}: a real {@code memory.grow} on the (only) memory; used by the engine at startup. */
    public static final String GROW_PHYSICAL_EXPORT = "__jshrew_grow_physical";
    /** Exported mutable i32 global: the guest-visible page count. */
    public static final String PAGES_EXPORT = "__jshrew_pages";
    /** Exported mutable i32 global: the most pages the guest has had since the last reset. */
    public static final String HIGH_WATER_EXPORT = "__jshrew_high_water";
    /** Import module of the grow hook. */
    public static final String HOOK_MODULE = "jshrew";
    /** Imported {@code (i32 oldPages, i32 newPages) -> ()}, called after the virtual size grows. */
    public static final String GROW_HOOK = "grow";

    /** Import module of every fast-call import: the same as the grow hook's. */
    public static final String FAST_CALL_MODULE = HOOK_MODULE;
    /** Name prefix of a fast-call import; the rest is the function index of the import it stands for. */
    public static final String FAST_CALL_PREFIX = "fast:";
    /** The most parameters an import can have for a fast call. */
    public static final int FAST_CALL_MAX_PARAMS = 4;

    /**
     * Rewrite options.
     *
     * @param limitPages the guest's memory limit in pages (the module's declared maximum or 65536, capped by the
     *     configured guest limit); {@code memory.grow} beyond it returns -1. Passing the configured guest limit alone
     *     is enough: the rewrite lowers it to the module's declared maximum ({@link ResettableModule#limitPages()})
     * @param checkLoadsAndStores also check every load and store against the virtual size
     * @param fastCalls function imports (function indices of the module's own imports) whose direct calls go through
     *     guest memory instead of arguments and results (see {@link #fastCallWindowBytes}); each must be
     *     {@link #canCallFast fast-callable}
     * @param cachedReads pairs of fast-call imports, a keyed length of type {@code (i32) -> i32} to its companion of
     *     type {@code (i32 i32) -> ()}, whose companion calls the guest can make itself from a value the length's
     *     call handed over (see {@link #CACHED_READ_STATUS})
     * @param keyFilter the cached reads' length stand-ins first ask {@link #KEY_FILTER_IMPORT} about a valid key
     *     buffer's hash ({@link dev.jshrew.api.engine.KeyFilter#hash}), and answer a key it surely lacks themselves:
     *     length 0, kept as a value of no bytes for the companion; needs cached reads
     * @param valueTable the length stand-ins then look a key the filter may hold up in the value table ({@link
     *     #VALUE_FIND_IMPORT}, {@link #VALUE_CHUNK_IMPORT}) and answer a key it holds themselves: its value's length,
     *     the value kept for the companion; needs a key filter
     */
    public record Options(
            int limitPages,
            boolean checkLoadsAndStores,
            java.util.Set<Integer> fastCalls,
            java.util.Map<Integer, Integer> cachedReads,
            boolean keyFilter,
            boolean valueTable) {
        public Options {
            if (keyFilter && cachedReads.isEmpty()) {
                throw new IllegalArgumentException("a key filter needs cached reads");
            }
            if (valueTable && !keyFilter) {
                throw new IllegalArgumentException("a value table needs a key filter");
            }
            if (limitPages < 0 || limitPages > 65536) {
                throw new IllegalArgumentException("limit out of range: " + limitPages);
            }
            fastCalls = java.util.Set.copyOf(fastCalls);
            cachedReads = java.util.Map.copyOf(cachedReads);
            for (var pair : cachedReads.entrySet()) {
                if (!fastCalls.contains(pair.getKey()) || !fastCalls.contains(pair.getValue())) {
                    throw new IllegalArgumentException("cached read " + pair + " of imports that are not fast calls");
                }
            }
        }

        public Options(
                int limitPages,
                boolean checkLoadsAndStores,
                java.util.Set<Integer> fastCalls,
                java.util.Map<Integer, Integer> cachedReads,
                boolean keyFilter) {
            this(limitPages, checkLoadsAndStores, fastCalls, cachedReads, keyFilter, false);
        }

        public Options(
                int limitPages,
                boolean checkLoadsAndStores,
                java.util.Set<Integer> fastCalls,
                java.util.Map<Integer, Integer> cachedReads) {
            this(limitPages, checkLoadsAndStores, fastCalls, cachedReads, false);
        }

        public Options(int limitPages, boolean checkLoadsAndStores, java.util.Set<Integer> fastCalls) {
            this(limitPages, checkLoadsAndStores, fastCalls, java.util.Map.of());
        }

        public Options(int limitPages, boolean checkLoadsAndStores) {
            this(limitPages, checkLoadsAndStores, java.util.Set.of());
        }
    }

    /** The type of a cached read's length import: {@code (i32 key) -> i32}. */
    public static final dev.jshrew.api.engine.FunctionSignature CACHED_READ_LENGTH_TYPE =
            dev.jshrew.api.engine.FunctionSignature.of(
                    java.util.List.of(dev.jshrew.api.engine.ValueType.I32),
                    java.util.List.of(dev.jshrew.api.engine.ValueType.I32));

    /** The type of a cached read's companion import: {@code (i32 key, i32 out) -> ()}. */
    public static final dev.jshrew.api.engine.FunctionSignature CACHED_READ_COMPANION_TYPE =
            dev.jshrew.api.engine.FunctionSignature.of(
                    java.util.List.of(dev.jshrew.api.engine.ValueType.I32, dev.jshrew.api.engine.ValueType.I32),
                    java.util.List.of());

    /** The longest key and the longest value a cached read keeps (in added globals, eight bytes to each). */
    public static final int CACHED_READ_BYTES = 128;

    /**
     * The fast-call status with which the host of a cached read's length import ({@link Options#cachedReads()})
     * hands its value over: the result is in slot 1 as for status 1, and the value's bytes follow in the
     * {@link #CACHED_READ_BYTES} after the slots ({@link #cachedReadWindowBytes}), eight at a time: chunk {@code j}
     * holds the value's bytes from {@code min(8j, length - 8)} (the whole value, in chunk 0, below eight bytes).
     * The stand-in keeps the value and the key buffer at the call's argument (its {@code u32} length at
     * {@code key - 4}, then that many bytes; none kept when the length is below 4 or above {@link
     * #CACHED_READ_BYTES}). A later direct call of the companion whose key holds an equal buffer, and whose
     * destination can take the value inside the virtual size, then writes the value there itself, with no host
     * call; any other call of the companion is the fast call. Any other status forgets the kept key. The host
     * must hand a value over only when the companion's call would write exactly it, for the rest of the export
     * call: the engine forgets kept keys with {@link #FORGET_READS_EXPORT} before a new export call that follows
     * one with no reset in between ({@link #RESET_EXPORT} forgets them, after the start function).
     */
    public static final long CACHED_READ_STATUS = 2;

    /**
     * The name, in {@link #HOOK_MODULE}, of the import {@code (i64 hash) -> i32} that the rewrite adds with {@link
     * Options#keyFilter()}, after the fast calls': 0 when no key of that hash is present. Link it to {@link
     * KeyFilterModule#TEST_EXPORT}.
     */
    public static final String KEY_FILTER_IMPORT = "key_filter";

    /**
     * The name, in {@link #HOOK_MODULE}, of the import {@code (i64 hash, i32 keyLength) -> i32} that the rewrite adds
     * with {@link Options#valueTable()}, after the key filter's: the value's length when the table's slot for that
     * hash holds a current key of that hash and length, else -1 (see {@link dev.jshrew.api.engine.ValueTable}). Link
     * it to {@link ValueTableModule#FIND_EXPORT}.
     */
    public static final String VALUE_FIND_IMPORT = "value_find";

    /**
     * The name, in {@link #HOOK_MODULE}, of the import {@code (i32 chunk) -> i64} after {@link #VALUE_FIND_IMPORT}:
     * chunk {@code j} of the slot the last successful find found, key chunks from 0, value chunks from {@value
     * dev.jshrew.api.engine.ValueTable#CHUNKS}. Link it to {@link ValueTableModule#CHUNK_EXPORT}.
     */
    public static final String VALUE_CHUNK_IMPORT = "value_chunk";

    /** Exported {@code () -> ()}, when there are cached reads: forgets every kept key. */
    public static final String FORGET_READS_EXPORT = "__jshrew_forget_reads";

    /** The window of a cached read's length import: its fast-call window, then room for the value. */
    public static int cachedReadWindowBytes() {
        return fastCallWindowBytes(1) + CACHED_READ_BYTES;
    }

    /**
     * Whether calls of an import of this type can go through guest memory: at most {@link #FAST_CALL_MAX_PARAMS}
     * parameters and one result, all {@code i32} or {@code i64}.
     */
    public static boolean canCallFast(dev.jshrew.api.engine.FunctionSignature signature) {
        return signature.params().size() <= FAST_CALL_MAX_PARAMS
                && signature.results().size() <= 1
                && java.util.stream.Stream.concat(signature.params().stream(), signature.results().stream())
                        .allMatch(t ->
                                t == dev.jshrew.api.engine.ValueType.I32 || t == dev.jshrew.api.engine.ValueType.I64);
    }

    /**
     * The bytes from address 0 that a fast call of an import with {@code params} parameters borrows: 8 bytes of
     * status, then one 8-byte little-endian slot per parameter (at least one, which holds the result on return).
     *
     * <p>The protocol, for a direct call of import {@code f} listed in {@link Options#fastCalls()}: the call goes to
     * an added function of {@code f}'s type that, when the guest's (virtual) memory has at least one page, saves
     * the window, stores each argument in its slot (an {@code i32} zero-extended), stores status 0, and calls the
     * added import {@link #FAST_CALL_MODULE}.{@link #FAST_CALL_PREFIX}{@code f}, of type {@code () -> ()}. The host
     * reads the arguments from the window; if it completes the call, it stores the result (if any) in slot 1 and
     * status 1. The added function then reads the result, puts the window's bytes back, and returns; with status 0
     * it puts the bytes back and calls {@code f} itself, with its arguments. So the guest never sees the window
     * change, and a host that cannot complete the call through memory (its own accesses touch the window) leaves
     * status 0 and gets the plain call. With no memory page, the added function calls {@code f} directly. Indirect
     * calls, exports and references of {@code f} are left alone: they make the plain call.
     */
    public static int fastCallWindowBytes(int params) {
        return 8 * (1 + Math.max(params, 1));
    }

    private final byte[] bytes;
    private final int initialPages;
    private final int limitPages;
    private final int declaredMaximumPages;
    private final boolean checksLoadsAndStores;
    private final boolean hasStartFunction;
    private final int originalSize;

    ResettableModule(byte[] bytes, int initialPages, int limitPages) {
        this(bytes, initialPages, limitPages, -1, false, false, -1);
    }

    ResettableModule(
            byte[] bytes,
            int initialPages,
            int limitPages,
            int declaredMaximumPages,
            boolean checksLoadsAndStores,
            boolean hasStartFunction,
            int originalSize) {
        this.bytes = Objects.requireNonNull(bytes);
        this.initialPages = initialPages;
        this.limitPages = limitPages;
        this.declaredMaximumPages = declaredMaximumPages;
        this.checksLoadsAndStores = checksLoadsAndStores;
        this.hasStartFunction = hasStartFunction;
        this.originalSize = originalSize;
    }

    /**
     * Rewrites a module.
     *
     * @param moduleName for messages
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#MODULE_INVALID} when the bytes are not
     *     a module the rewrite understands, naming the module, the function and the instruction or feature; an
     *     {@link Unsupported} one when the module is well-formed but uses what in-place reset cannot support
     */
    public static ResettableModule rewrite(String moduleName, byte[] wasm, Options options) {
        return Rewriter.rewrite(moduleName, wasm, options);
    }

    /**
     * The rewrite refuses a well-formed module because of a feature in-place reset cannot support (the message ends
     * {@code use --reset fresh}); still {@link dev.jshrew.api.ErrorCode#MODULE_INVALID}, so callers that only look
     * at the code see no difference. Malformed bytes are a plain {@link dev.jshrew.api.JshrewException}.
     */
    public static final class Unsupported extends dev.jshrew.api.JshrewException {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(dev.jshrew.api.ErrorCode.MODULE_INVALID, message);
        }
    }

    /** The rewritten module. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The original module's initial pages (the virtual size after instantiation and after every reset). */
    public int initialPages() {
        return initialPages;
    }

    /**
     * The guest's limit in pages: {@link Options#limitPages()}, lowered to the module's declared maximum when it
     * declares a smaller one ({@code memory.grow} beyond it returns -1). Grow the memory physically to this.
     */
    public int limitPages() {
        return limitPages;
    }

    /** The original module's declared memory maximum in pages, or -1 when it declares none. */
    public int declaredMaximumPages() {
        return declaredMaximumPages;
    }

    /**
     * Whether every load and store was given a check against the virtual size ({@link Options#checkLoadsAndStores()}).
     * Without it, the engine must make accesses between the virtual and the physical size trap itself (e.g. keep
     * those pages {@code PROT_NONE}, opening them from the {@link #GROW_HOOK} and closing them again after a reset).
     */
    public boolean checksLoadsAndStores() {
        return checksLoadsAndStores;
    }

    /**
     * Whether the module has a start function. {@link #RESET_EXPORT} runs it again as its last step, so a reset can
     * call host imports, and the grow hook if the start function grows memory (from the initial pages).
     */
    public boolean hasStartFunction() {
        return hasStartFunction;
    }

    /** Size in bytes of the module before the rewrite (for reports), or -1 if unknown. */
    public int originalSize() {
        return originalSize;
    }
}
