package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.storage.FollowingStore;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code rocksdb} storage provider: a height-versioned {@link KeyValueStore} in a RocksDB directory.
 *
 * <p>Options (keys without the {@code storage.rocksdb.} prefix; unknown keys fail with
 * {@link dev.jshrew.api.ErrorCode#INPUT}):
 * <ul>
 *   <li>{@code block-cache-mb}: block cache shared by all column families (default 256)</li>
 *   <li>{@code write-buffer-mb}: memtable size of the versions and block-index column families (default 64)</li>
 *   <li>{@code background-jobs}: flush and compaction threads (default 2)</li>
 * </ul>
 *
 * <p>Thread-safe and stateless; the constructor does nothing (the native library loads on the first
 * {@link #open}).
 */
public final class RocksDbStorageProvider implements StorageProvider {
    /** The provider name operators type. */
    public static final String NAME = "rocksdb";

    /** For {@link java.util.ServiceLoader}. */
    public RocksDbStorageProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Opens the store in {@code directory} as {@code access} says; the caller closes it. One process may have a
     * directory open for writing at a time (RocksDB locks it); read-only opens take no lock and write nothing, so
     * they work beside a writer and see what it had committed when they opened.
     *
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#INPUT} for a bad option,
     *     {@link dev.jshrew.api.ErrorCode#STORAGE} when the database cannot be opened
     */
    @Override
    public KeyValueStore open(Path directory, Map<String, String> options, Access access) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(access, "access");
        RocksDbSettings settings = RocksDbSettings.parse(options);
        return RocksDbStore.open(directory, settings, access == Access.READ_ONLY);
    }

    /**
     * Opens the store in {@code directory} as a RocksDB secondary instance ({@code RocksDB.openAsSecondary}) keeping
     * its own files in {@code ownDirectory}: nothing in {@code directory} is written, any number of followers may
     * follow one writer (each with its own directory), and {@link FollowingStore#catchUp()} runs {@code
     * tryCatchUpWithPrimary}. The follower keeps every table file open ({@code max_open_files = -1}, as RocksDB
     * requires of a secondary).
     *
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#INPUT} for a bad option,
     *     {@link dev.jshrew.api.ErrorCode#STORAGE} when the database cannot be opened
     */
    @Override
    public FollowingStore openFollower(Path directory, Path ownDirectory, Map<String, String> options) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(ownDirectory, "ownDirectory");
        RocksDbSettings settings = RocksDbSettings.parse(options);
        return new RocksDbFollower(RocksDbStore.openSecondary(directory, ownDirectory, settings));
    }
}
