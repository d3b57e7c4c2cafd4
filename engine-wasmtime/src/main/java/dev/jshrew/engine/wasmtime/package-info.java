/**
 * The wasmtime engine (wasmtime 7.0.1 through the wasmtime-java JNI binding). Only
 * {@link dev.jshrew.engine.wasmtime.WasmtimeEngineProvider} is public, and the package is not exported: the host
 * finds the provider with {@link java.util.ServiceLoader}. Threading: the engine and compiled modules are
 * thread-safe; an instance (one wasmtime store) is confined to the thread that uses it, and its host functions run
 * on that thread. Lifecycle: the creator closes what it created, instances before the engine.
 */
package dev.jshrew.engine.wasmtime;
