package dev.jshrew.api.storage;

import java.util.OptionalLong;

/**
 * A store that follows one another process writes: a read replica ({@code serve --replica-of}). It reads as a
 * {@link StorageProvider.Access#READ_ONLY} store does (its {@link BlockWriter} methods throw
 * {@link IllegalStateException}), except that {@link #catchUp()} moves it forward to what the writer has made durable
 * since. Between two catch-ups it is a fixed view: {@link #tip()} and every read at or below it stay the same.
 *
 * <p>Opened with {@link StorageProvider#openFollower}. Thread-safe: a catch-up may run while reads run; a read at a
 * height at or below the tip it saw answers as before, unless the writer rolled those heights back (a reorg), which
 * the next catch-up shows.
 */
public interface FollowingStore extends KeyValueStore {
    /**
     * Catches up with the writer's durable state and returns the tip now visible (empty when nothing is indexed).
     *
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#STORAGE} when the writer's files cannot
     *     be read
     */
    OptionalLong catchUp();
}
