package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.engine.toolkit.wasm.ResettableModule;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.util.ArrayList;
import java.util.List;

/**
 * The host functions of one instance, checked against the module's imports once (every function import needs a
 * host function of exactly its type; the host binds trapping stubs for imports it does not provide), then made
 * into wasmtime functions for each new store, in the import order of the module actually instantiated (the
 * rewritten module adds the {@code jshrew.grow} hook). Immutable.
 */
final class HostImports {
    /** The rewrite's grow hook: {@code (i32 oldPages, i32 newPages) -> ()}. */
    static final FuncType GROW_HOOK_TYPE = new FuncType(new Val.Type[] {Val.Type.I32, Val.Type.I32}, new Val.Type[0]);

    /** Calls of these take no arguments and give no results: they pass them through guest memory. */
    static final FuncType FAST_CALL_TYPE = new FuncType(new Val.Type[0], new Val.Type[0]);

    /** The host function of each function import, by its function index (the module's import order). */
    private final List<HostFunction> byIndex = new ArrayList<>();
    /** Imports whose direct calls go through guest memory: restartable host functions of a type that allows it. */
    private final java.util.Set<Integer> fastCalls = new java.util.TreeSet<>();
    /** Keyed lengths whose companion's calls the guest can make itself: length import to companion import. */
    private final java.util.Map<Integer, Integer> cachedReads = new java.util.TreeMap<>();

    /**
     * @throws JshrewException {@link ErrorCode#LINK} for a missing or mistyped function import, or a non-function
     * import
     */
    HostImports(List<ImportSpec> imports, List<HostFunction> provided, String context) {
        for (ImportSpec spec : imports) {
            if (spec.kind() != ImportSpec.Kind.FUNCTION) {
                throw new JshrewException(
                        ErrorCode.LINK,
                        context + ": the module imports a " + spec.kind().name().toLowerCase(java.util.Locale.ROOT)
                                + " " + spec.module() + "." + spec.name() + ", which engine wasmtime is not given");
            }
            HostFunction fn = provided.stream()
                    .filter(h -> h.module().equals(spec.module()) && h.name().equals(spec.name()))
                    .findFirst()
                    .orElseThrow(() -> new JshrewException(
                            ErrorCode.LINK,
                            context + ": no host function for import " + spec.module() + "." + spec.name()));
            FunctionSignature declared = spec.signature().orElseThrow();
            if (!declared.equals(fn.signature())) {
                throw new JshrewException(
                        ErrorCode.LINK,
                        context + ": import " + spec.module() + "." + spec.name() + " has type " + declared
                                + " but the host function has " + fn.signature());
            }
            if (fn.implementation() instanceof HostFunction.Restartable && ResettableModule.canCallFast(declared)) {
                fastCalls.add(byIndex.size());
            }
            byIndex.add(fn);
        }
        for (int i = 0; i < byIndex.size(); i++) {
            if (byIndex.get(i).implementation() instanceof HostFunction.ValueLength length && fastCalls.contains(i)) {
                int companion = companionOf(byIndex.get(i), length);
                if (companion >= 0 && !cachedReads.containsValue(companion)) {
                    cachedReads.put(i, companion);
                }
            }
        }
    }

    /** The import index of a keyed length's companion, when it is a fast call of the type the rewrite needs; or -1. */
    private int companionOf(HostFunction fn, HostFunction.ValueLength length) {
        if (!fn.signature().equals(ResettableModule.CACHED_READ_LENGTH_TYPE)) {
            return -1;
        }
        for (int j : fastCalls) {
            HostFunction c = byIndex.get(j);
            if (c.module().equals(fn.module())
                    && c.name().equals(length.companion())
                    && c.signature().equals(ResettableModule.CACHED_READ_COMPANION_TYPE)) {
                return j;
            }
        }
        return -1;
    }

    /**
     * The function imports (by index) whose direct calls the rewrite sends through guest memory ({@link
     * ResettableModule#fastCallWindowBytes}): the binding converts every argument and result through JNI lookups
     * by name, so a call that passes none (3.7 µs in {@code BindingCallCostMain}) costs about half of
     * {@code __get}'s (7.4 µs) and less than half of {@code __get_len}'s (9.2 µs).
     */
    java.util.Set<Integer> fastCalls() {
        return java.util.Set.copyOf(fastCalls);
    }

    /**
     * The keyed lengths ({@link HostFunction.ValueLength}) among the fast calls, each to its companion: the rewrite
     * makes the companion's call in the guest when the length's call handed the value over
     * ({@link ResettableModule#CACHED_READ_STATUS}), which saves a crossing per key for a guest that asks the length
     * and then the value of every key it reads (every metashrew guest does).
     */
    java.util.Map<Integer, Integer> cachedReads() {
        return java.util.Map.copyOf(cachedReads);
    }

    /**
     * The key filter of the one cached read whose length has one ({@link HostFunction.ValueLength#keyFilter()}),
     * or null: the rewrite then lets the guest answer a key the filter surely lacks.
     */
    dev.jshrew.api.engine.KeyFilter keyFilter() {
        HostFunction.ValueLength filtered = filteredLength();
        return filtered == null ? null : filtered.keyFilter();
    }

    /**
     * The value table of that same cached read ({@link HostFunction.ValueLength#valueTable()}), or null: the rewrite
     * then lets the guest answer a key it holds.
     */
    dev.jshrew.api.engine.ValueTable valueTable() {
        HostFunction.ValueLength filtered = filteredLength();
        return filtered == null ? null : filtered.valueTable();
    }

    /** The one cached read's length with a key filter, or null (none, or several: one filter import serves one). */
    private HostFunction.ValueLength filteredLength() {
        HostFunction.ValueLength found = null;
        for (int length : cachedReads.keySet()) {
            HostFunction.ValueLength f =
                    (HostFunction.ValueLength) byIndex.get(length).implementation();
            if (f.keyFilter() != null) {
                if (found != null) {
                    return null;
                }
                found = f;
            }
        }
        return found;
    }

    /**
     * One wasmtime function per import of {@code imports}, for {@code store}.
     *
     * @param growHook the body of {@code jshrew.grow}, or null when the module is not the rewritten one
     * @param keyFilter the function for the rewrite's key-filter import, or null when it has none
     * @param valueTable the functions for the rewrite's value-table imports (find, chunk), or null when it has none
     */
    List<Func> funcs(
            Store<Void> store,
            ImportType[] imports,
            WasmtimeModuleInstance owner,
            Func.Handler<Void> growHook,
            Func keyFilter,
            Func[] valueTable) {
        List<Func> out = new ArrayList<>(imports.length);
        try {
            for (int i = 0; i < imports.length; i++) {
                ImportType it = imports[i];
                if (keyFilter != null
                        && i > byIndex.size()
                        && it.module().equals(ResettableModule.HOOK_MODULE)
                        && it.name().equals(ResettableModule.KEY_FILTER_IMPORT)) {
                    out.add(keyFilter);
                    continue;
                }
                if (valueTable != null && i > byIndex.size() && it.module().equals(ResettableModule.HOOK_MODULE)) {
                    if (it.name().equals(ResettableModule.VALUE_FIND_IMPORT)) {
                        out.add(valueTable[0]);
                        continue;
                    }
                    if (it.name().equals(ResettableModule.VALUE_CHUNK_IMPORT)) {
                        out.add(valueTable[1]);
                        continue;
                    }
                }
                if (growHook != null
                        && it.module().equals(ResettableInstance.HOOK_MODULE)
                        && it.name().equals(ResettableInstance.GROW_HOOK)) {
                    out.add(new Func(store, GROW_HOOK_TYPE, growHook));
                    continue;
                }
                if (growHook != null
                        && i > byIndex.size()
                        && it.module().equals(ResettableModule.FAST_CALL_MODULE)
                        && it.name().startsWith(ResettableModule.FAST_CALL_PREFIX)) {
                    int func = Integer.parseInt(it.name().substring(ResettableModule.FAST_CALL_PREFIX.length()));
                    HostFunction fn = byIndex.get(func);
                    HostFunction.Implementation impl = fn.implementation();
                    FunctionSignature sig = fn.signature();
                    HostFunction.ValueLength keeps =
                            cachedReads.containsKey(func) ? (HostFunction.ValueLength) impl : null;
                    int window = keeps != null
                            ? ResettableModule.cachedReadWindowBytes()
                            : ResettableModule.fastCallWindowBytes(sig.params().size());
                    out.add(new Func(
                            store,
                            FAST_CALL_TYPE,
                            (caller, params, res) -> owner.invokeFast(impl, sig, window, keeps)));
                    continue;
                }
                // The module's own imports come first, in the order they were checked in (patches and the rewrite
                // only append imports).
                HostFunction fn = i < byIndex.size() ? byIndex.get(i) : null;
                if (fn == null || !fn.module().equals(it.module()) || !fn.name().equals(it.name())) {
                    throw new JshrewException(
                            ErrorCode.LINK, "no host function for import " + it.module() + "." + it.name());
                }
                List<ValueType> results = fn.signature().results();
                HostFunction.Implementation impl = fn.implementation();
                out.add(new Func(
                        store,
                        funcType(fn.signature()),
                        (caller, params, res) -> owner.invokeHost(impl, results, params, res)));
            }
            return out;
        } catch (RuntimeException e) { // release what was made before the failure, whatever it was
            out.forEach(Func::dispose);
            throw e;
        }
    }

    private static FuncType funcType(FunctionSignature signature) {
        return new FuncType(
                signature.params().stream().map(HostImports::valType).toArray(Val.Type[]::new),
                signature.results().stream().map(HostImports::valType).toArray(Val.Type[]::new));
    }

    private static Val.Type valType(ValueType t) {
        return switch (t) {
            case I32 -> Val.Type.I32;
            case I64 -> Val.Type.I64;
            case F32 -> Val.Type.F32;
            case F64 -> Val.Type.F64;
            case V128 -> Val.Type.V128;
            case FUNCREF -> Val.Type.FUNC_REF;
            case EXTERNREF -> Val.Type.EXTERN_REF;
        };
    }
}
