/**
 * Engine SPI. Lifecycle and threading, from longest-lived to shortest:
 * <ul>
 *   <li>{@link dev.jshrew.api.engine.WasmEngineProvider}: found by {@link java.util.ServiceLoader}; trivial
 *       constructor; thread-safe.</li>
 *   <li>{@link dev.jshrew.api.engine.WasmEngine}: one per process and engine; thread-safe; closed by its creator.</li>
 *   <li>{@link dev.jshrew.api.engine.CompiledModule}: immutable, thread-safe, compiled once, instantiated many
 * times.</li>
 *   <li>{@link dev.jshrew.api.engine.ModuleInstance}: confined to one thread; owns its guest memory; closed by its
 * creator.</li>
 * </ul>
 * Host functions receive the instance's {@link dev.jshrew.api.engine.GuestMemory} as an argument: per-call context
 * travels with the call, never in a thread-local.
 */
package dev.jshrew.api.engine;
