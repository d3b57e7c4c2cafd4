/**
 * The memory-commit contract: reserve a guest's linear memory up to its limit, commit it physically up front
 * (failing fast when the machine cannot), and report what was committed. A {@link dev.jshrew.api.memory.LinearMemory}
 * is confined to the instance that owns it; providers are thread-safe.
 */
package dev.jshrew.api.memory;
