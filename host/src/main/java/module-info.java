/** Engine-neutral embedder: engine registry, metashrew host ABI, block and view runners, state roots. */
module dev.jshrew.host {
    requires transitive dev.jshrew.api;
    requires com.google.protobuf;
    requires java.management;

    exports dev.jshrew.host;
    exports dev.jshrew.host.abi;
    exports dev.jshrew.host.bitcoin;

    uses dev.jshrew.api.engine.WasmEngineProvider;
    uses dev.jshrew.api.storage.StorageProvider;
}
