package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.abi.CallContext;
import dev.jshrew.host.abi.MetashrewAbi;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs view functions ({@code () -> i32}) at a chosen height on its own instance, pristine for every call
 * (METASHREW-ABI §1.4, §1.5). Confined to one thread; the caller closes it.
 */
public final class ViewRunner implements AutoCloseable {
    private static final FunctionSignature VIEW = FunctionSignature.of(List.of(), List.of(ValueType.I32));

    private final String engineName;
    private final CompiledModule module;
    private final KeyValueStore store;
    private final InstanceSlot slot;

    public ViewRunner(String engineName, CompiledModule module, KeyValueStore store, RunOptions options, Consumer<String> guestLog) {
        this.engineName = engineName;
        this.module = module;
        this.store = store;
        this.slot = new InstanceSlot(engineName, module, options, guestLog);
    }

    /**
     * Calls view {@code function} with input {@code u32le(height) ‖ input}, reading state as of {@code height}.
     * An invalid result pointer gives an empty result (C-14).
     *
     * @throws BlockFailedException when the function is missing, has another type, or traps
     */
    public byte[] view(String function, byte[] input, long height) {
        FunctionSignature signature = module.exportedFunction(function).orElseThrow(() -> failure(ErrorCode.LINK, height,
                "Failed to get view function '" + function + "'", null));
        if (!signature.equals(VIEW)) {
            throw failure(ErrorCode.LINK, height, "view function '" + function + "' has type " + signature + ", expected () -> (i32)", null);
        }
        ModuleInstance instance = slot.ready();
        slot.context().arm(CallContext.Mode.VIEW, height, input, key -> store.get(key, height), false);
        long result;
        try {
            result = instance.call(function)[0];
        } catch (GuestTrapException e) {
            throw failure(ErrorCode.TRAP, height, "Failed to execute view function '" + function + "': guest trapped ("
                    + e.trap() + "): " + e.getMessage(), e);
        } catch (JshrewException e) {
            throw failure(e.code(), height, "Failed to execute view function '" + function + "': " + e.getMessage(), e);
        }
        GuestMemory memory = instance.memory();
        byte[] bytes = MetashrewAbiAccess.readBuffer(memory, result & 0xFFFF_FFFFL);
        return bytes == null ? new byte[0] : bytes;
    }

    private BlockFailedException failure(ErrorCode code, long height, String message, Throwable cause) {
        return new BlockFailedException(code, height, "engine " + engineName + ", module " + module.name() + ", view at height "
                + height + ": " + message, cause);
    }

    @Override
    public void close() {
        slot.close();
    }

    /** Bridge to the ABI's buffer rule (§1.2) without widening its API. */
    private static final class MetashrewAbiAccess {
        static byte[] readBuffer(GuestMemory memory, long ptr) {
            return MetashrewAbi.readBuffer(memory, ptr);
        }
    }
}
