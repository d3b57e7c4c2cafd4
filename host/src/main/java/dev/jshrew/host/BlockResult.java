package dev.jshrew.host;

/**
 * What indexing one block did.
 *
 * @param height the block height
 * @param blockHash the block hash, display order
 * @param stateRoot the new state root
 * @param pairs number of distinct keys written
 * @param runNanos time in the guest ({@code _start})
 * @param resetNanos time to get a pristine instance before the block
 * @param commitNanos time of the storage commit
 * @param highWaterPages the most memory pages the guest had during the block
 */
public record BlockResult(
        long height,
        byte[] blockHash,
        byte[] stateRoot,
        int pairs,
        long runNanos,
        long resetNanos,
        long commitNanos,
        int highWaterPages) {}
