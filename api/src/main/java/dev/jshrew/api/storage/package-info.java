/**
 * The storage contract: a height-versioned key-value store with one atomic commit per block, split by role:
 * {@link dev.jshrew.api.storage.VersionedReader} (versioned reads), {@link dev.jshrew.api.storage.ChainIndex} (tip,
 * hashes, roots, per-block writes, metadata) and {@link dev.jshrew.api.storage.BlockWriter} (block commits and
 * rollback). {@link dev.jshrew.api.storage.KeyValueStore}, what a {@link dev.jshrew.api.storage.StorageProvider}
 * opens, is all three. Every role is thread-safe: views read concurrently with the single writer, and a read at a
 * height at or below the committed tip never changes while later blocks commit. Everything that belongs to a height
 * (its writes, hash, root, the new tip and its metadata) is one {@link dev.jshrew.api.storage.BlockCommit}, written
 * in one atomic unit.
 */
package dev.jshrew.api.storage;
