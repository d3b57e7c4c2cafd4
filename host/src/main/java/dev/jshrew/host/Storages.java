package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** The storage providers found through {@link ServiceLoader}: the one place a store is looked up by name. */
public final class Storages {
    /** The store every command uses unless told otherwise. */
    public static final String DEFAULT = "rocksdb";

    private Storages() {}

    /**
     * The provider with that name.
     *
     * @throws JshrewException {@link ErrorCode#STORAGE} naming the providers that exist
     */
    public static StorageProvider find(String name) {
        var providers = ServiceLoader.load(StorageProvider.class, Storages.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
        return providers.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new JshrewException(
                        ErrorCode.STORAGE,
                        "no " + name + " storage provider on the class path"
                                + (providers.isEmpty()
                                        ? ""
                                        : " (found: "
                                                + providers.stream()
                                                        .map(StorageProvider::name)
                                                        .collect(Collectors.joining(", "))
                                                + ")")));
    }

    /**
     * Opens the {@link #DEFAULT} store in {@code directory} for writing, with its default options: created in a
     * missing or empty directory, refused in any other directory that is not a store.
     */
    public static KeyValueStore open(Path directory) {
        return open(directory, StorageProvider.Access.READ_WRITE);
    }

    /** Opens the {@link #DEFAULT} store in {@code directory} with its default options, as {@code access} says. */
    public static KeyValueStore open(Path directory, StorageProvider.Access access) {
        return open(directory, Map.of(), access);
    }

    /**
     * Opens the {@link #DEFAULT} store in {@code directory} with {@code options} (the provider's keys, without the
     * {@code storage.rocksdb.} prefix), as {@code access} says.
     */
    public static KeyValueStore open(Path directory, Map<String, String> options, StorageProvider.Access access) {
        return find(DEFAULT).open(directory, options, access);
    }

    /**
     * Opens a follower (a read replica) of the {@link #DEFAULT} store another process writes in {@code directory},
     * keeping its own files in {@code ownDirectory}; see {@link StorageProvider#openFollower}.
     */
    public static dev.jshrew.api.storage.FollowingStore openFollower(Path directory, Path ownDirectory) {
        return find(DEFAULT).openFollower(directory, ownDirectory, Map.of());
    }
}
