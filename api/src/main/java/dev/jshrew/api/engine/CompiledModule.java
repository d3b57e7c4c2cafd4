package dev.jshrew.api.engine;

import java.util.List;
import java.util.Optional;

/** A validated, compiled module. Immutable and thread-safe; instantiate it as often as needed. */
public interface CompiledModule {
    /** The name given to {@link WasmEngine#compile}. */
    String name();

    /** The engine that compiled this module (and runs its instances): its name and capabilities travel with it. */
    WasmEngine engine();

    /** Every import the module declares, in declaration order. */
    List<ImportSpec> imports();

    /** The signature of an exported function, or empty when there is no function export by that name. */
    Optional<FunctionSignature> exportedFunction(String name);

    /** The module's own (declared) memory limits; empty when the module defines no memory. */
    Optional<MemoryLimits> memory();

    /**
     * Instantiates the module: allocates (and, per {@code options}, commits) memory, applies data and element
     * segments and runs the start function. The caller owns and closes the instance.
     *
     * <p>Every {@link dev.jshrew.api.JshrewException} it throws names the engine and this module in its message,
     * including failures that came from the memory provider (see {@link dev.jshrew.api.JshrewException#within}): the
     * host reports them as they are.
     *
     * @param imports one host function for every function import of {@link #imports()}, matched by module and name
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#LINK} when an import is missing or
     *     mistyped; {@link dev.jshrew.api.ErrorCode#TRAP} when the start function traps;
     *     {@link dev.jshrew.api.ErrorCode#MEMORY_COMMIT_REFUSED} when the memory cannot be committed
     */
    ModuleInstance instantiate(List<HostFunction> imports, InstanceOptions options);
}
