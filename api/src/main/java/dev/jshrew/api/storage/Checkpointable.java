package dev.jshrew.api.storage;

import java.nio.file.Path;

/**
 * An optional ability of a {@link KeyValueStore}: a consistent copy of the whole store in a new directory, taken
 * while the store stays open and in use (readers and the writer go on). Callers test for it with
 * {@code store instanceof Checkpointable}; a store without it cannot be snapshotted (the {@code snapshot} commands
 * and {@code serve --snapshot-directory} say so and stop).
 *
 * <p>The copy holds whole blocks only: every block committed before the call, none committed after it (the call
 * is serialized with {@link BlockWriter}'s commits). It opens as a store of the same provider.
 */
public interface Checkpointable {
    /**
     * Writes the copy into {@code directory}, which must not exist (its parent must). Works on a store opened
     * {@link StorageProvider.Access#READ_ONLY} too (the copy is of what that store sees).
     *
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#STORAGE} when the copy cannot be made;
     *     a partial copy is removed
     */
    void checkpointTo(Path directory);
}
