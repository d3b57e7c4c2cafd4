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
 * @param commitNanos time of the storage commit; with overlapped commits ({@link Indexer}) the time the indexing
 *     thread spent on it: the state root ({@link Indexer#indexBlock} only: {@link Indexer#submitBlock} makes it on
 *     the committer thread), waiting for the previous block's commit and handing this one over
 * @param highWaterPages the most memory pages the guest had during the block
 * @param cpuNanos CPU time of the indexing thread over the whole block (reset, run and commit; with overlapped
 *     commits the commit's writing, and with {@link Indexer#submitBlock} the state root, are on the committer
 *     thread and not in it), or {@code -1} where the JVM cannot
 *     measure it; unlike the wall times above, it does not grow when other processes load the machine (RocksDB's
 *     background compaction and the engines' compiler threads are not in it)
 * @param storeReads the guest's reads that the host answered (the second read of a {@code __get_len}/{@code __get}
 *     pair, and a read an engine answers in guest code, are not): from the store, or from the indexer's read cache
 * @param storeReadNanos time of those reads, part of {@code runNanos}
 * @param cacheHits of {@code storeReads}, those the indexer's read cache answered ({@link RunOptions#readCacheBytes()})
 */
public record BlockResult(
        long height,
        byte[] blockHash,
        byte[] stateRoot,
        int pairs,
        long runNanos,
        long resetNanos,
        long commitNanos,
        int highWaterPages,
        long cpuNanos,
        int storeReads,
        long storeReadNanos,
        int cacheHits) {
    /** The same figures with another state root. */
    public BlockResult withStateRoot(byte[] root) {
        return new BlockResult(
                height,
                blockHash,
                root,
                pairs,
                runNanos,
                resetNanos,
                commitNanos,
                highWaterPages,
                cpuNanos,
                storeReads,
                storeReadNanos,
                cacheHits);
    }
}
