package dev.jshrew.api.storage;

import java.nio.file.Path;
import java.util.Map;

/** Opens stores. Discovered with {@link java.util.ServiceLoader}; trivial constructor; thread-safe. */
public interface StorageProvider {
    /** Stable lowercase name, e.g. {@code rocksdb}. */
    String name();

    /**
     * Opens (creating if missing) the store in {@code directory}. The caller closes it.
     *
     * @param options provider options (keys without the {@code storage.<name>.} prefix); unknown keys fail
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#STORAGE} when it cannot be opened
     */
    KeyValueStore open(Path directory, Map<String, String> options);
}
