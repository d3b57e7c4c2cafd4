package dev.jshrew.api.storage;

/**
 * Block writes and rollback: the only ways the store changes. Each call is one atomic, durable unit: after a crash
 * all of it is there or none of it is.
 *
 * <p>Thread-safe, but calls are serialized (one writer at a time): a commit's tip check and the write that moves
 * the tip never interleave with another commit or rollback. Readers ({@link VersionedReader}, {@link ChainIndex})
 * run concurrently and see a call's effect all at once, after it returns.
 */
public interface BlockWriter {
    /**
     * Atomically commits one block: its writes as versions at {@code commit.height()}, its hash, its state root, its
     * metadata ({@link BlockCommit#meta()}) and the new tip. Either all of it is durable or none of it is; a call
     * that throws has written nothing.
     *
     * @throws IllegalArgumentException when {@code commit.height()} is not above the tip (roll back first)
     */
    void commitBlock(BlockCommit commit);

    /**
     * Atomically removes everything above {@code height}: every version written by a later block, their hashes
     * and roots; the tip becomes the highest committed height not above {@code height} (or none). Metadata is
     * kept. No key-count limit. Does nothing when {@code height} is at or above the tip.
     */
    void rollbackTo(long height);
}
