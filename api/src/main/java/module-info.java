/**
 * jshrew's service provider interface: engines, guest memory and storage contracts.
 * It depends on nothing but {@code java.base}; no engine, storage or memory library type appears here.
 */
module dev.jshrew.api {
    exports dev.jshrew.api;
    exports dev.jshrew.api.engine;
    exports dev.jshrew.api.memory;
    exports dev.jshrew.api.storage;

    uses dev.jshrew.api.engine.WasmEngineProvider;
    uses dev.jshrew.api.storage.StorageProvider;
}
