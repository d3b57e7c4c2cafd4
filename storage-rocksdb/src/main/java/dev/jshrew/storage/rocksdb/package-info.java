/**
 * RocksDB storage for jshrew. Only {@link dev.jshrew.storage.rocksdb.RocksDbStorageProvider} is public; RocksDB
 * types never leave this package. Stores are thread-safe (concurrent reads, one writer at a time) and own their
 * native objects, which {@code close()} releases in reverse order of creation.
 */
package dev.jshrew.storage.rocksdb;
