/**
 * The storage contract: a height-versioned key-value store with one atomic commit per block. A
 * {@link dev.jshrew.api.storage.KeyValueStore} is thread-safe: views read concurrently with the single writer,
 * and a read at a height at or below the committed tip never changes while later blocks commit.
 */
package dev.jshrew.api.storage;
