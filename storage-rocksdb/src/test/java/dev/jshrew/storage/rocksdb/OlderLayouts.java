package dev.jshrew.storage.rocksdb;

import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Turns a store this build wrote into one an earlier layout's build would have left, for the upgrade tests: each
 * block's {@code block-keys} entry becomes one {@code blocks} entry a write (layout 2), and layout 1 also has no
 * {@code latest} family.
 */
final class OlderLayouts {
    private OlderLayouts() {}

    /** Layout 2: the per-write block index, no {@code block-keys} family, layout version 2. */
    static void toLayoutTwo(Path dir) throws RocksDBException {
        rewrite(dir, false);
    }

    /** Layout 1: as {@link #toLayoutTwo}, and without the {@code latest} family, layout version 1. */
    static void toLayoutOne(Path dir) throws RocksDBException {
        rewrite(dir, true);
    }

    /** The layout version a store records, read without writing. */
    static int layoutVersion(Path dir) throws RocksDBException {
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, true);
        try {
            return StoreKeys.getInt(raw.db().get(raw.meta(), StoreKeys.LAYOUT), 0);
        } finally {
            raw.natives().releaseAll();
        }
    }

    private static void rewrite(Path dir, boolean dropLatest) throws RocksDBException {
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, false);
        try (WriteBatch batch = new WriteBatch();
                RocksIterator it = raw.db().newIterator(raw.blockKeys())) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long height = StoreKeys.blockKeysHeight(it.key());
                for (byte[] key : StoreKeys.blockKeysOf(it.value())) {
                    batch.put(raw.blocks(), StoreKeys.blockEntry(height, key), new byte[0]);
                }
            }
            it.status();
            batch.put(raw.meta(), StoreKeys.LAYOUT, StoreKeys.u32(dropLatest ? 1 : 2));
            raw.db().write(raw.syncWrite(), batch);
            raw.db().dropColumnFamily(raw.blockKeys());
            if (dropLatest) {
                raw.db().dropColumnFamily(raw.latest());
            }
        } finally {
            raw.natives().releaseAll();
        }
    }
}
