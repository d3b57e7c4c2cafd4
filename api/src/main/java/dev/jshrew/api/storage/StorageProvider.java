package dev.jshrew.api.storage;

import java.nio.file.Path;
import java.util.Map;

/** Opens stores. Discovered with {@link java.util.ServiceLoader}; trivial constructor; thread-safe. */
public interface StorageProvider {
    /** How a store is opened: what a command may do to the directory. */
    enum Access {
        /**
         * Read commands ({@code dump}, {@code view}, {@code diff}): open an existing store and never create, change
         * or delete anything in (or for) its directory. Works while another process has the store open for writing
         * (the reader sees the store as of its open). A missing directory, a directory that is not a store of this
         * provider, or a damaged one fails with {@link dev.jshrew.api.ErrorCode#STORAGE}. The store's
         * {@link BlockWriter} methods throw {@link IllegalStateException}.
         */
        READ_ONLY,
        /**
         * Writing commands ({@code index}, {@code serve}): create the store in a missing or empty directory, open an
         * existing store of this provider, and refuse ({@link dev.jshrew.api.ErrorCode#STORAGE}) any other
         * non-empty directory, without changing it.
         */
        READ_WRITE
    }

    /** Stable lowercase name, e.g. {@code rocksdb}. */
    String name();

    /**
     * Opens the store in {@code directory} as {@code access} says. The caller closes it.
     *
     * @param options provider options (keys without the {@code storage.<name>.} prefix); unknown keys fail
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#STORAGE} when it cannot be opened
     */
    KeyValueStore open(Path directory, Map<String, String> options, Access access);

    /**
     * Opens a {@link FollowingStore} over the store another process writes in {@code directory} (a read replica): it
     * never writes there; {@code ownDirectory} (created if missing, distinct for each follower) holds what the
     * follower itself needs to keep. Many followers may follow one writer. The caller closes it.
     *
     * @param options provider options, as for {@link #open(Path, Map, Access)}
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#STORAGE} when it cannot be opened or
     *     the provider cannot follow a writer (the default)
     */
    default FollowingStore openFollower(Path directory, Path ownDirectory, Map<String, String> options) {
        throw new dev.jshrew.api.JshrewException(
                dev.jshrew.api.ErrorCode.STORAGE, "the " + name() + " storage provider cannot follow a writer");
    }

    /** {@link #open(Path, Map, Access)} with {@link Access#READ_WRITE}. */
    default KeyValueStore open(Path directory, Map<String, String> options) {
        return open(directory, options, Access.READ_WRITE);
    }
}
