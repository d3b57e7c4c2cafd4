package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.VersionedReader;
import dev.jshrew.host.GuestCallException.Stage;
import dev.jshrew.host.abi.BlockWrites;
import dev.jshrew.host.abi.CallContext;
import dev.jshrew.host.abi.MetashrewAbi;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs view functions ({@code () -> i32}) at a chosen height on its own instance, pristine for every call
 * (METASHREW-ABI §1.4, §1.5), and previews ({@link #preview}). It only ever reads the store: neither views nor
 * previews write to it. Confined to one thread at a time (it may be handed between threads with a happens-before
 * edge, e.g. through a queue); the caller closes it.
 */
public final class ViewRunner implements AutoCloseable {
    private static final FunctionSignature VIEW = FunctionSignature.of(List.of(), List.of(ValueType.I32));

    private final CompiledModule module;
    private final VersionedReader store;
    private final InstanceSlot slot;
    private final java.util.function.LongConsumer heightCheck;

    public ViewRunner(CompiledModule module, VersionedReader store, RunOptions options, Consumer<String> guestLog) {
        this(module, store, options, guestLog, height -> {});
    }

    /**
     * @param heightCheck called with the height of every view (a preview's block height) before it runs; throws to
     *     refuse it (the host refuses heights another indexer module indexed, see {@link IndexerHistory})
     */
    ViewRunner(
            CompiledModule module,
            VersionedReader store,
            RunOptions options,
            Consumer<String> guestLog,
            java.util.function.LongConsumer heightCheck) {
        this.heightCheck = heightCheck;
        this.module = module;
        this.store = store;
        this.slot = new InstanceSlot(
                module,
                options,
                InstanceOptions.Workload.VIEWS,
                options.viewTimeout(),
                options.viewMemoryPages(),
                guestLog,
                null,
                null);
    }

    /**
     * Calls view {@code function} with input {@code u32le(height) ‖ input}, reading state as of {@code height}.
     * An invalid result pointer gives an empty result (C-14).
     *
     * @throws GuestCallException when the function is missing, has another type, or traps
     */
    public byte[] view(String function, byte[] input, long height) {
        heightCheck.accept(height);
        try (HeightReader reader = store.readerAt(height)) {
            return call(function, input, height, reader::get);
        }
    }

    private byte[] call(String function, byte[] input, long height, dev.jshrew.host.abi.StateReader reader) {
        FunctionSignature signature = module.exportedFunction(function)
                .orElseThrow(() -> slot.failure(
                        ErrorCode.LINK,
                        Stage.VIEW_MISSING,
                        height,
                        "Failed to get view function '" + function + "'",
                        null));
        if (!signature.equals(VIEW)) {
            throw slot.failure(
                    ErrorCode.LINK,
                    Stage.VIEW,
                    height,
                    "view function '" + function + "' has type " + signature + ", expected () -> (i32)",
                    null);
        }
        ModuleInstance instance = slot.ready();
        slot.context().arm(CallContext.Mode.VIEW, height, input, reader, false);
        long result;
        try {
            result = instance.call(function)[0];
        } catch (GuestTrapException e) {
            throw slot.failure(
                    ErrorCode.TRAP,
                    Stage.VIEW,
                    height,
                    "Failed to execute view function '" + function + "': " + slot.describe(e),
                    e);
        } catch (JshrewException e) {
            throw slot.failure(
                    e.code(),
                    Stage.VIEW,
                    height,
                    "Failed to execute view function '" + function + "': " + e.getMessage(),
                    e);
        }
        GuestMemory memory = instance.memory();
        byte[] bytes = MetashrewAbiAccess.readBuffer(memory, result & 0xFFFF_FFFFL);
        return bytes == null ? new byte[0] : bytes;
    }

    /**
     * {@code metashrew_preview} (METASHREW-ABI §1.4, C-59): runs {@code block} through {@code _start} as if it were
     * indexed at {@code P = height + 1} with reads at {@code height}, keeps its writes in an in-memory overlay, then
     * calls view {@code function} at {@code P} reading the overlay first and the store as of {@code P} below it (so
     * the preview's writes win over any stored version at P). Nothing is written to the store: the overlay is
     * dropped when the call returns (C-60). Both stages run on this runner's instance, pristine for each.
     *
     * @throws GuestCallException when stage 1 traps, aborts, flushes a malformed payload or does not flush, or
     *     when the view fails; the message says which stage
     */
    public byte[] preview(byte[] block, String function, byte[] input, long height) {
        if (height < 0 || height >= 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("preview height out of range: " + height);
        }
        long at = height + 1;
        heightCheck.accept(at);
        InstanceSlot.startProblem(module).ifPresent(problem -> {
            throw slot.failure(ErrorCode.LINK, Stage.PREVIEW_START, at, problem, null);
        });
        slot.ready();
        BlockWrites overlay;
        try (HeightReader reader = store.readerAt(height)) {
            overlay = slot.runStart(at, block, reader::get, false, Stage.PREVIEW_START);
        }
        try (HeightReader reader = store.readerAt(at)) {
            return call(function, input, at, key -> {
                byte[] own = overlay.get(key);
                return own != null ? own : reader.get(key);
            });
        }
    }

    /** Memory figures of this runner's instance, for metrics. */
    public dev.jshrew.api.engine.MemoryStats memoryStats() {
        return slot.current().memoryStats();
    }

    @Override
    public void close() {
        slot.close();
    }

    /** The effective guest memory limit in pages (what an indexer with the same options records). */
    int memoryLimitPages() {
        return slot.memoryLimitPages();
    }

    /** Bridge to the ABI's buffer rule (§1.2) without widening its API. */
    private static final class MetashrewAbiAccess {
        static byte[] readBuffer(GuestMemory memory, long ptr) {
            return MetashrewAbi.readBuffer(memory, ptr);
        }
    }
}
