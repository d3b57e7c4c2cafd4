package dev.jshrew.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider.Access;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read at the tip answers from {@code latest} wherever the entry lies: in a memtable, in table files whose blocks
 * are cached, and in files a fresh open has not read yet (where RocksDB's cache-only lookup stops short of the
 * value). Keys never written read as empty in each of those places. Each place is read both while missing keys lead
 * the store's recent reads (it asks {@code keyMayExist} first) and while present keys do (it asks {@code get}). Half
 * the keys, and their missing neighbours, share their first 70 bytes, past latest's 64-byte prefix: one bucket of
 * latest's hash memtables.
 */
class TipReadTest {
    private static final int BLOCKS = 40;
    private static final int KEYS_PER_BLOCK = 60;
    private static final String SHARED_START = "s".repeat(70);

    @TempDir
    Path dir;

    @Test
    void presentAndMissingKeysReadTheSameFromMemtablesTableFilesAndAFreshOpen() {
        // A 1 MiB write buffer and 1 KiB values: the blocks below fill several table files.
        Map<String, String> small = Map.of(RocksDbSettings.WRITE_BUFFER_MB, "1");
        try (KeyValueStore store = new RocksDbStorageProvider().open(dir, small, Access.READ_WRITE)) {
            for (int h = 0; h < BLOCKS; h++) {
                TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
                for (int k = 0; k < KEYS_PER_BLOCK; k++) {
                    writes.put(key(h, k), value(h, k));
                }
                // Every fifth block rewrites one key of block 0, and writes an empty value for another.
                if (h % 5 == 4) {
                    writes.put(key(0, 1), value(h, 1));
                    writes.put(key(0, 2), new byte[0]);
                }
                store.commitBlock(new BlockCommit(h, writes, TestData.hashOf(h), TestData.rootOf(h)));
            }
            assertTipReads(store, true);
            assertTipReads(store, false);
        }
        try (KeyValueStore store = new RocksDbStorageProvider().open(dir, small, Access.READ_WRITE)) {
            assertTipReads(store, true);
            assertTipReads(store, false);
        }
        // A fresh open has no table or block cached: missing keys leading first, then present ones, then again.
        try (KeyValueStore store = new RocksDbStorageProvider().open(dir, Map.of(), Access.READ_ONLY)) {
            assertTipReads(store, true);
            assertTipReads(store, false);
        }
        try (KeyValueStore store = new RocksDbStorageProvider().open(dir, Map.of(), Access.READ_ONLY)) {
            assertTipReads(store, false);
            assertTipReads(store, true);
        }
    }

    /** Reads every key and a missing neighbour: three misses before two hits per key, or three hits and a miss. */
    private static void assertTipReads(KeyValueStore store, boolean missesLead) {
        long tip = BLOCKS - 1;
        try (HeightReader reader = store.readerAt(tip)) {
            for (int h = 0; h < BLOCKS; h++) {
                for (int k = 0; k < KEYS_PER_BLOCK; k++) {
                    byte[] expected =
                            h == 0 && k == 1 ? value(BLOCKS - 1, 1) : h == 0 && k == 2 ? new byte[0] : value(h, k);
                    byte[] missing = Arrays.copyOf(key(h, k), key(h, k).length + 1);
                    String what = "key " + h + "/" + k + (missesLead ? ", misses leading" : ", hits leading");
                    if (missesLead) {
                        assertThat(store.get(missing, tip)).as(what).isEmpty();
                        assertThat(reader.get(missing)).as(what).isEmpty();
                        assertThat(store.get(missing, tip)).as(what).isEmpty();
                    }
                    assertThat(store.get(key(h, k), tip)).as(what).isEqualTo(expected);
                    assertThat(reader.get(key(h, k))).as(what).isEqualTo(expected);
                    if (!missesLead) {
                        assertThat(store.get(key(h, k), tip)).as(what).isEqualTo(expected);
                        assertThat(reader.get(missing)).as(what).isEmpty();
                    }
                }
            }
        }
        // Below a key's newest version the read still seeks its versions.
        assertThat(store.get(key(0, 1), 3)).isEqualTo(value(0, 1));
        assertThat(store.get(key(0, 2), 3)).isEqualTo(value(0, 2));
    }

    /** Every other key starts with the same 70 bytes, past latest's 64-byte prefix: such keys share a bucket. */
    private static byte[] key(int height, int k) {
        return ((k % 2 == 0 ? SHARED_START : "") + "key/" + height + "/" + k).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int height, int k) {
        byte[] value = new byte[1024];
        Arrays.fill(value, (byte) (height * 31 + k));
        value[0] = (byte) height;
        value[1] = (byte) k;
        return value;
    }
}
