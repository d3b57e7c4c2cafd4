package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.storage.BlockCommit;
import java.util.Set;
import java.util.TreeSet;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;

/**
 * One rollback: removes every block above a height in a single synced {@link WriteBatch}.
 *
 * <p>The work is proportional to what the removed blocks wrote, not to the size of the store: the per-block
 * index ({@code block-keys}, or {@code blocks} for blocks committed before layout 3) lists exactly the versions to
 * delete, so nothing else is scanned, and there is no key-count limit. The batch holds one or two deletes per
 * removed write (one for a block of layout 3, whose index entry is one delete for the block), so its memory grows
 * with the size of the removed blocks (at most about 2 × (key length + 20) bytes per write), plus one {@code latest}
 * entry per distinct key they wrote: that key's newest version at or below the height (one seek each), or a
 * delete when none is left.
 *
 * <p>Not thread-safe: the store runs it under its writer lock.
 */
final class Rollback {
    private static final byte[] HASH_END = {(byte) (StoreKeys.HASH_TAG + 1)};
    private static final byte[] ROOT_END = {(byte) (StoreKeys.ROOT_TAG + 1)};

    private final RocksDB db;
    private final OpenedDb opened;

    Rollback(RocksDB db, OpenedDb opened) {
        this.db = db;
        this.opened = opened;
    }

    /**
     * Removes every block above {@code height} (a negative height removes all of them) and makes the highest
     * remaining block the tip.
     *
     * @return the new tip, or {@code -1} when no block is left
     */
    long run(long height) throws RocksDBException {
        long firstRemoved = height < 0 ? 0 : height + 1;
        try (WriteBatch batch = new WriteBatch()) {
            Set<byte[]> touched = new TreeSet<>(BlockCommit.KEY_ORDER);
            // Blocks committed before a store's upgrade to layout 3 have one blocks entry a write.
            RangeScan.forEach(db, opened.blocks(), StoreKeys.u64(firstRemoved), null, entry -> {
                byte[] indexKey = entry.key();
                batch.delete(opened.versions(), StoreKeys.versionOfBlockEntry(indexKey));
                batch.delete(opened.blocks(), indexKey);
                touched.add(StoreKeys.blockEntryKey(indexKey));
            });
            // Blocks committed by layout 3 have one block-keys entry each.
            if (opened.blockKeys() != null) {
                RangeScan.forEach(db, opened.blockKeys(), StoreKeys.u64(firstRemoved), null, entry -> {
                    long removed = StoreKeys.blockKeysHeight(entry.key());
                    for (byte[] key : StoreKeys.blockKeysOf(entry.value())) {
                        batch.delete(opened.versions(), StoreKeys.version(key, removed));
                        touched.add(key);
                    }
                    batch.delete(opened.blockKeys(), entry.key());
                });
            }
            restoreLatest(batch, touched, height);
            RangeScan.forEach(
                    db,
                    opened.meta(),
                    StoreKeys.hash(firstRemoved),
                    HASH_END,
                    entry -> batch.delete(opened.meta(), entry.key()));
            RangeScan.forEach(
                    db,
                    opened.meta(),
                    StoreKeys.root(firstRemoved),
                    ROOT_END,
                    entry -> batch.delete(opened.meta(), entry.key()));
            // Every committed block has a hash entry, and the batch above leaves those at or below the height,
            // so the highest of them is the new tip.
            long newTip = height < 0 ? -1 : highestBlockAtOrBelow(height);
            if (newTip < 0) {
                batch.delete(opened.meta(), StoreKeys.TIP);
            } else {
                batch.put(opened.meta(), StoreKeys.TIP, StoreKeys.u64(newTip));
            }
            db.write(opened.syncWrite(), batch);
            return newTip;
        }
    }

    /**
     * Puts each touched key's newest version at or below {@code height} into {@code latest}, or deletes its entry.
     * Read before the batch is written, so the versions above the height are still there and the seek skips them.
     */
    private void restoreLatest(WriteBatch batch, Set<byte[]> touched, long height) throws RocksDBException {
        if (touched.isEmpty()) {
            return;
        }
        try (ReadOptions options = new ReadOptions();
                RocksIterator it = db.newIterator(opened.versions(), options)) {
            for (byte[] key : touched) {
                byte[] value =
                        height < 0 ? null : RocksDbStore.versionAtOrBelow(it, StoreKeys.versionPrefix(key), height);
                if (value == null) {
                    batch.delete(opened.latest(), key);
                } else {
                    // The iterator stands on the version found.
                    batch.put(opened.latest(), key, StoreKeys.latestValue(StoreKeys.versionHeight(it.key()), value));
                }
            }
        }
    }

    private long highestBlockAtOrBelow(long height) throws RocksDBException {
        try (Slice lower = new Slice(new byte[] {StoreKeys.HASH_TAG});
                ReadOptions options = new ReadOptions().setIterateLowerBound(lower);
                RocksIterator it = db.newIterator(opened.meta(), options)) {
            it.seekForPrev(StoreKeys.hash(height));
            if (!it.isValid()) {
                it.status();
                return -1;
            }
            return StoreKeys.taggedHeight(it.key());
        }
    }
}
