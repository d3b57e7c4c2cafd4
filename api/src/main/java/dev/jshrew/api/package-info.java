/**
 * Cross-cutting SPI types: the unchecked {@link dev.jshrew.api.JshrewException} hierarchy with its
 * {@link dev.jshrew.api.ErrorCode}, and the {@link dev.jshrew.api.SpiVersion}. All types here are immutable
 * and thread-safe.
 */
package dev.jshrew.api;
