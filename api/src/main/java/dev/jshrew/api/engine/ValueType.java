package dev.jshrew.api.engine;

/** WebAssembly value types. Values cross the SPI as {@code long}: i32 sign-extended, floats as raw bits. */
public enum ValueType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FUNCREF,
    EXTERNREF
}
