package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static dev.jshrew.storage.rocksdb.TestData.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider.Access;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Layout 2: the {@code latest} family (one entry per key holding its newest version, kept by commits and rollbacks,
 * filled by the writing open that upgrades a layout-1 store, left alone by a read-only one) and a block index that
 * keeps keys only, its values read from {@code versions}.
 */
class LayoutTwoTest {
    @TempDir
    Path dir;

    @Test
    void commitsAndRollbacksKeepOneEntryPerKeyWithItsNewestVersion() throws Exception {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(block(1, "a", "a1", "b", "b1"));
            store.commitBlock(block(2, "a", "a2", "c", "c2"));
            store.commitBlock(block(3, "a", "a3", "b", "b3", "d", "d3"));
            store.rollbackTo(1);
            store.commitBlock(block(2, "e", "e2"));
        }
        assertThat(latestEntries(dir))
                .isEqualTo(Map.of(
                        "a", "1:a1",
                        "b", "1:b1",
                        "e", "2:e2"));
        assertThat(blockIndexValues(dir))
                .as("layout 3 writes no per-write block index")
                .isEmpty();
        try (KeyValueStore store = TestData.open(dir)) {
            assertThat(store.blockWrites(1)).hasSize(2);
            assertThat(s(store.blockWrites(1).get(b("a")))).isEqualTo("a1");
            assertThat(s(store.blockWrites(2).get(b("e")))).isEqualTo("e2");
        }
    }

    @Test
    void aBlockIndexEntryWithoutItsVersionIsReportedAsDamage() throws Exception {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(block(1, "a", "a1", "b", "b1"));
        }
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, false);
        try {
            raw.db().delete(raw.versions(), raw.syncWrite(), StoreKeys.version(b("b"), 1));
        } finally {
            raw.natives().releaseAll();
        }
        try (KeyValueStore store = TestData.open(dir)) {
            assertThatThrownBy(() -> store.blockWrites(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("block 1 lists a key without its version")
                    .hasMessageContaining(dir.toString());
        }
    }

    @Test
    void aWritingOpenUpgradesALayoutOneStoreAndReadsStayTheSame() throws Exception {
        writeLayoutOneStore(dir);
        assertThat(OlderLayouts.layoutVersion(dir)).isEqualTo(1);

        try (KeyValueStore store = TestData.open(dir)) {
            assertThat(OlderLayouts.layoutVersion(dir))
                    .as("layout 1 is upgraded to the current layout")
                    .isEqualTo(3);
            assertReadsOfTheSampleBlocks(store);
            // The upgraded store goes on as a layout-3 one: a rollback restores the older versions.
            store.rollbackTo(2);
            assertThat(read(store, "k", 2)).isEqualTo("v2");
            assertThat(read(store, "only3", 2)).isEmpty();
            store.commitBlock(block(3, "k", "v3b"));
            assertThat(read(store, "k", 3)).isEqualTo("v3b");
        }
        assertThat(latestEntries(dir)).isEqualTo(Map.of("k", "3:v3b", "only1", "1:x", "gone", "2:"));
    }

    @Test
    void anUpgradeLargerThanOneBatchFillsEveryKey() throws Exception {
        // 3 blocks × 50,000 keys with 64-byte values: about 12 MiB of latest entries, more than one 8 MiB batch.
        int perBlock = 50_000;
        byte[] value = new byte[64];
        try (KeyValueStore store = TestData.open(dir)) {
            for (int height = 1; height <= 3; height++) {
                NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
                for (int i = 0; i < perBlock; i++) {
                    // Block 3 rewrites block 1's keys: their newest version must be block 3's.
                    int id = height == 3 ? i : (height - 1) * perBlock + i;
                    value[0] = (byte) height;
                    writes.put(b("key/" + id), value.clone());
                }
                store.commitBlock(block(height, writes));
            }
        }
        OlderLayouts.toLayoutOne(dir);
        try (KeyValueStore store = TestData.open(dir)) {
            assertThat(OlderLayouts.layoutVersion(dir)).isEqualTo(3);
            for (int id : new int[] {0, perBlock - 1, perBlock, 2 * perBlock - 1}) {
                byte[] read = store.get(b("key/" + id), 3);
                assertThat(read).hasSize(64);
                assertThat(read[0]).isEqualTo((byte) (id < perBlock ? 3 : 2));
            }
        }
        Map<String, String> entries = latestEntries(dir);
        assertThat(entries).hasSize(2 * perBlock);
        assertThat(entries.get("key/0")).startsWith("3:");
        assertThat(entries.get("key/" + perBlock)).startsWith("2:");
    }

    @Test
    void everyKeyWithAVersionIsListedOnceFromMemtablesAndTableFiles() throws Exception {
        List<String> listed = new ArrayList<>();
        try (KeyValueStore store = TestData.open(dir)) {
            assertThat(store.forEachKey(k -> listed.add(s(k)))).isTrue();
            assertThat(listed).as("an empty store").isEmpty();
            store.commitBlock(block(1, "a", "a1", "b", "b1"));
            store.commitBlock(block(2, "a", "a2", "c", "", "d", "d2"));
            store.commitBlock(block(3, "x", "x3"));
            store.rollbackTo(2);
            assertThat(store.forEachKey(k -> listed.add(s(k)))).isTrue();
            assertThat(listed).as("in key order, rolled-back x gone").containsExactly("a", "b", "c", "d");
        }
        listed.clear();
        Map<String, String> before = DirectorySnapshot.of(dir);
        try (KeyValueStore store = new RocksDbStorageProvider().open(dir, Map.of(), Access.READ_ONLY)) {
            assertThat(store.forEachKey(k -> listed.add(s(k)))).isTrue();
        }
        assertThat(listed).as("reopened: from the log or table files").containsExactly("a", "b", "c", "d");
        assertThat(DirectorySnapshot.of(dir)).as("listing writes nothing").isEqualTo(before);
    }

    @Test
    void aReadOnlyOpenReadsALayoutOneStoreWithoutChangingIt() throws Exception {
        writeLayoutOneStore(dir);
        Map<String, String> before = DirectorySnapshot.of(dir);
        try (KeyValueStore store = new RocksDbStorageProvider().open(dir, Map.of(), Access.READ_ONLY)) {
            assertReadsOfTheSampleBlocks(store);
            assertThat(store.forEachKey(k -> {
                        throw new AssertionError("a layout-1 store has no key list");
                    }))
                    .as("layout 1 cannot list its keys")
                    .isFalse();
        }
        assertThat(DirectorySnapshot.of(dir)).isEqualTo(before);
        assertThat(OlderLayouts.layoutVersion(dir)).isEqualTo(1);
    }

    @Test
    void aReaderAtTheTipKeepsItsAnswersWhileABlockCommitsAboveIt() {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(block(1, "k", "v1", "old", "o1"));
            try (HeightReader reader = store.readerAt(1)) {
                assertThat(s(reader.get(b("k")))).isEqualTo("v1");
                store.commitBlock(block(2, "k", "v2", "new", "n2", "old", ""));
                // latest now holds block 2's versions, above the reader's height: the reads go to the iterator.
                assertThat(s(reader.get(b("k")))).isEqualTo("v1");
                assertThat(s(reader.get(b("old")))).isEqualTo("o1");
                assertThat(s(reader.get(b("new")))).isEmpty();
            }
            try (HeightReader reader = store.readerAt(2)) {
                assertThat(s(reader.get(b("k")))).isEqualTo("v2");
                assertThat(s(reader.get(b("new")))).isEqualTo("n2");
                assertThat(s(reader.get(b("old")))).isEmpty();
            }
        }
    }

    /** Blocks 1..3 of a store, then without its latest family and with layout 1, as a layout-1 build left it. */
    private static void writeLayoutOneStore(Path dir) throws RocksDBException {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(block(1, "k", "v1", "only1", "x", "gone", "g1"));
            store.commitBlock(block(2, "k", "v2", "gone", ""));
            store.commitBlock(block(3, "k", "v3", "only3", "y"));
        }
        OlderLayouts.toLayoutOne(dir);
        // A read-only open finds the layout-1 families.
        OpenedDb check = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, true);
        try {
            assertThat(check.latest())
                    .as("a layout-1 store has no latest family")
                    .isNull();
        } finally {
            check.natives().releaseAll();
        }
    }

    private static void assertReadsOfTheSampleBlocks(KeyValueStore store) {
        assertThat(store.tip()).hasValue(3);
        assertThat(read(store, "k", 3)).isEqualTo("v3");
        assertThat(read(store, "k", 2)).isEqualTo("v2");
        assertThat(read(store, "k", 1)).isEqualTo("v1");
        assertThat(read(store, "k", 0)).isEmpty();
        assertThat(read(store, "only1", 3)).isEqualTo("x");
        assertThat(read(store, "only3", 2)).isEmpty();
        assertThat(read(store, "gone", 3)).isEmpty();
        assertThat(read(store, "gone", 1)).isEqualTo("g1");
        assertThat(read(store, "never", 3)).isEmpty();
        // The layout-1 block index holds values; they read the same through versions.
        assertThat(store.blockWrites(1)).hasSize(3);
        assertThat(s(store.blockWrites(1).get(b("gone")))).isEqualTo("g1");
        assertThat(s(store.blockWrites(2).get(b("gone")))).isEmpty();
        assertThat(s(store.blockWrites(3).get(b("only3")))).isEqualTo("y");
        try (HeightReader reader = store.readerAt(2)) {
            assertThat(s(reader.get(b("k")))).isEqualTo("v2");
            assertThat(s(reader.get(b("only3")))).isEmpty();
            assertThat(s(reader.get(b("only1")))).isEqualTo("x");
        }
    }

    /** Every value of the block index (Latin-1). */
    private static List<String> blockIndexValues(Path dir) throws RocksDBException {
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, true);
        List<String> values = new ArrayList<>();
        try (RocksIterator it = raw.db().newIterator(raw.blocks())) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                values.add(s(it.value()));
            }
        } finally {
            raw.natives().releaseAll();
        }
        return values;
    }

    /** The latest family as key → "height:value" (Latin-1). */
    private static Map<String, String> latestEntries(Path dir) throws RocksDBException {
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, true);
        Map<String, String> entries = new TreeMap<>();
        // latest's memtables are hashed by prefix: a full scan must ask for total order.
        try (ReadOptions total = new ReadOptions().setTotalOrderSeek(true);
                RocksIterator it = raw.db().newIterator(raw.latest(), total)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] value = it.value();
                entries.put(s(it.key()), StoreKeys.latestHeight(value) + ":" + s(StoreKeys.latestPayload(value)));
            }
        } finally {
            raw.natives().releaseAll();
        }
        return entries;
    }
}
