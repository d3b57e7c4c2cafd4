package dev.jshrew.engine.wasmtime;

import dev.jshrew.engine.toolkit.wasm.ModuleFacts;
import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.Module;

/**
 * A module as wasmtime compiled it (after {@link WasmtimeCompiledModule}'s patch), with its import list, read once.
 *
 * @param module the compiled module; the owning {@link WasmtimeCompiledModule} disposes it
 * @param imports its imports in declaration order, the order an instance's externs must follow
 * @param facts what the bytes declare before the patch (the start function included)
 * @param timedCalls whether it was compiled on the engine whose code checks the epoch ({@link
 *     WasmtimeEngine#engine(boolean)}): its instances' stores must be of the same engine
 */
record PreparedModule(Module module, ImportType[] imports, ModuleFacts facts, boolean timedCalls) {}
