package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.engine.toolkit.SegmentGuestMemory;
import dev.jshrew.engine.toolkit.wasm.ResettableModule;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;

/**
 * What both kinds of wasmtime instance share: calling exports, running host functions, and carrying a host
 * function's exception across wasmtime unchanged. The binding turns a Java exception thrown by a host function
 * into a wasmtime error holding only the message, so the exception is stashed here, the host function fails
 * wasmtime with a placeholder, and {@link #call} rethrows the stashed exception itself once wasmtime returns.
 * Confined to one thread.
 */
abstract sealed class WasmtimeModuleInstance implements ModuleInstance permits FreshInstance, ResettableInstance {
    /** Thrown into wasmtime in place of a host function's own exception, which {@link #call} rethrows. */
    private static final class HostFunctionFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HostFunctionFailed() {
            super("host function failed (the exception is rethrown to the caller)", null, false, false);
        }
    }

    /** A fast call's window slot: a little-endian i64 at an 8-aligned address. */
    private static final java.lang.foreign.ValueLayout.OfLong SLOT =
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    final WasmtimeCompiledModule module;
    final HostImports imports;
    final int limitPages;
    // Bounds-checked against the guest's size: on a committed instance the pages past it are PROT_NONE.
    private final GuestMemory guestMemory = new SegmentGuestMemory(
            () -> {
                ensureOpen();
                return guestBytes();
            },
            this::reservation);
    private final FastCallMemory fastCallMemory = new FastCallMemory(guestMemory);
    private Throwable hostFailure;
    private Duration callTimeout = Duration.ZERO;
    private long deadlineTicks;
    private boolean closed;
    /** Set when the instance is left in an unknown state (a failed reset); only close() works then. */
    private String broken;

    WasmtimeModuleInstance(WasmtimeCompiledModule module, HostImports imports, int limitPages) {
        this.module = module;
        this.imports = imports;
        this.limitPages = limitPages;
    }

    /** Limits every call of an export by the caller to {@code timeout} ({@code ticks} of the engine's epoch). */
    final void limitCalls(Duration timeout, long ticks) {
        this.callTimeout = timeout;
        this.deadlineTicks = ticks;
    }

    /** The instance currently behind this one. */
    abstract LiveInstance live();

    /** The guest-visible size in bytes, which bounds every host access. */
    abstract long guestBytes();

    /** Forgets any cached size: the guest may have grown its memory. */
    void sizeMayHaveChanged() {}

    /** Runs before each export call by the caller. */
    void beforeCall() {}

    String context() {
        return "engine wasmtime, module " + module.name();
    }

    @Override
    public final long[] call(String export, long... args) {
        ensureUsable();
        FunctionSignature signature = module.facts()
                .exportedFunction(export)
                .orElseThrow(
                        () -> new JshrewException(ErrorCode.LINK, context() + ": no function export '" + export + "'"));
        if (args.length != signature.params().size()) {
            throw new JshrewException(
                    ErrorCode.LINK,
                    context() + ": export '" + export + "' has type " + signature + ", called with " + args.length
                            + " argument(s)");
        }
        beforeCall();
        return callRaw(export, signature, args, deadlineTicks);
    }

    /** Calls any export of the instantiated module (including the engine's own), untimed, translating failures. */
    final long[] callRaw(String export, FunctionSignature signature, long[] args) {
        return callRaw(export, signature, args, 0);
    }

    private long[] callRaw(String export, FunctionSignature signature, long[] args, long ticks) {
        try {
            return live().call(export, signature, args, ticks);
        } catch (WasmFunctionError | WasmtimeException e) {
            rethrowHostFailure();
            if (ticks > 0 && Traps.isInterrupt(e)) {
                throw new GuestTrapException(
                        Trap.TIMEOUT,
                        context() + ", export " + export + ": call stopped after its timeout of "
                                + callTimeout.toMillis() + " ms",
                        e);
            }
            throw Traps.translate(e, context());
        } finally {
            hostFailure = null;
            sizeMayHaveChanged();
        }
    }

    /** Rethrows a stashed host-function exception, if any, exactly as the host function threw it. */
    final void rethrowHostFailure() {
        Throwable t = hostFailure;
        hostFailure = null;
        if (t instanceof RuntimeException r) {
            throw r;
        } else if (t instanceof Error err) {
            throw err;
        }
    }

    /** The body of every host import: the wasmtime side of {@link HostFunction.Implementation#call}. */
    final void invokeHost(HostFunction.Implementation impl, List<ValueType> resultTypes, Val[] params, Val[] results) {
        sizeMayHaveChanged();
        try {
            long[] args = new long[params.length];
            for (int i = 0; i < args.length; i++) {
                args[i] = LiveInstance.fromVal(params[i]);
            }
            long[] out = checkResultCount(impl.call(guestMemory, args), results.length);
            for (int i = 0; i < out.length; i++) {
                results[i] = LiveInstance.toVal(resultTypes.get(i), out[i]);
            }
        } catch (RuntimeException | Error e) { // must not cross JNI: the binding would keep only the message
            failHost(e);
        }
    }

    /**
     * The body of a fast-call import ({@link dev.jshrew.engine.toolkit.wasm.ResettableModule#fastCallWindowBytes}):
     * the arguments are in the window's slots; on completion the result goes to slot 1 and status 1 to slot 0. When
     * the host function touches the window, the call is abandoned (status stays 0) and the guest's stand-in puts
     * the window back and makes the plain call, which runs the function again.
     */
    final void invokeFast(
            HostFunction.Implementation impl,
            FunctionSignature signature,
            int windowBytes,
            HostFunction.ValueLength keeps) {
        sizeMayHaveChanged();
        try {
            MemorySegment window = reservation();
            List<ValueType> params = signature.params();
            long[] args = new long[params.size()];
            for (int i = 0; i < args.length; i++) {
                long raw = window.get(SLOT, 8L * (i + 1));
                args[i] = params.get(i) == ValueType.I32 ? (int) raw : raw;
            }
            fastCallMemory.windowBytes = windowBytes;
            long[] out = checkResultCount(
                    impl.call(fastCallMemory, args), signature.results().size());
            if (out.length == 1) {
                window.set(SLOT, 8, out[0]);
            }
            window.set(SLOT, 0, keeps != null && handOver(keeps.lastValue(), out[0], window) ? 2L : 1L);
        } catch (FastCallMemory.WindowTouched e) {
            // status 0: the plain call follows
        } catch (RuntimeException | Error e) { // must not cross JNI: the binding would keep only the message
            failHost(e);
        }
    }

    /**
     * Writes a cached read's value into its window after the slots, in the chunks of {@link
     * ResettableModule#CACHED_READ_STATUS}; false when there is none to hand over or it is too long.
     */
    private static boolean handOver(byte[] value, long length, MemorySegment window) {
        if (value == null || value.length > ResettableModule.CACHED_READ_BYTES || value.length != length) {
            return false;
        }
        long at = ResettableModule.fastCallWindowBytes(1);
        if (value.length < 8) {
            MemorySegment.copy(value, 0, window, ValueLayout.JAVA_BYTE, at, value.length);
            return true;
        }
        for (int j = 0; 8 * j < value.length; j++) {
            MemorySegment.copy(value, Math.min(8 * j, value.length - 8), window, ValueLayout.JAVA_BYTE, at + 8L * j, 8);
        }
        return true;
    }

    private static long[] checkResultCount(long[] out, int expected) {
        if (out.length != expected) {
            throw new IllegalStateException(
                    "host function returned " + out.length + " value(s), its type has " + expected);
        }
        return out;
    }

    /** Records {@code e} for {@link #call} to rethrow and makes wasmtime unwind the guest. */
    final void failHost(Throwable e) {
        if (hostFailure == null) {
            hostFailure = e;
        }
        throw new HostFunctionFailed();
    }

    @Override
    public final GuestMemory memory() {
        ensureOpen();
        return guestMemory;
    }

    /**
     * The guest's memory for the host, checked by the {@link SegmentGuestMemory} view against {@link #guestBytes()}.
     */
    final MemorySegment reservation() {
        ensureOpen();
        return live().reservation();
    }

    final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(context() + ": instance is closed");
        }
    }

    final void ensureUsable() {
        ensureOpen();
        if (broken != null) {
            throw new IllegalStateException(context() + ": instance is unusable after " + broken + "; close it");
        }
    }

    final void markBroken(String why) {
        broken = why;
    }

    /** Releases the wasmtime resources. */
    abstract void release();

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }
}
