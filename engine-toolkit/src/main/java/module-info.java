/**
 * What engine implementers share, on top of the SPI alone: a WebAssembly binary reader and writer with the module
 * rewrite for in-place reset ({@code ResettableModule}, {@code ModuleFacts}) and the NaN canonicalisation pass
 * ({@code NanCanonicalizer}) on the same section parser, the call watchdog ({@code Watchdog}) and the
 * segment-backed guest memory view ({@code SegmentGuestMemory}). Depends on nothing of jshrew but {@code api}.
 */
module dev.jshrew.engine.toolkit {
    // transitive: the exported API (GuestMemory, FunctionSignature, JshrewException) is made of dev.jshrew.api types
    requires transitive dev.jshrew.api;

    exports dev.jshrew.engine.toolkit;
    exports dev.jshrew.engine.toolkit.wasm;
}
