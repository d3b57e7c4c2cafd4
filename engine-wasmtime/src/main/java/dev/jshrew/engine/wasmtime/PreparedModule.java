package dev.jshrew.engine.wasmtime;

import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.Module;

/**
 * A module as wasmtime compiled it (after {@link ModuleShape#patched}), with its import list, read once.
 *
 * @param module the compiled module; the owning {@link WasmtimeCompiledModule} disposes it
 * @param imports its imports in declaration order, the order an instance's externs must follow
 * @param shape what the compiled bytes declare
 */
record PreparedModule(Module module, ImportType[] imports, ModuleShape shape) {}
