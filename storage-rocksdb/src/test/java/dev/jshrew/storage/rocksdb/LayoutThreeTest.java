package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static dev.jshrew.storage.rocksdb.TestData.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.FollowingStore;
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
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Layout 3: a block's keys in one {@code block-keys} entry instead of one {@code blocks} entry a write; a layout-2
 * store read as it is by a read-only open and upgraded by a writing one, its older blocks keeping their entries,
 * rollbacks that cross both kinds, and a follower that opened before the upgrade.
 */
class LayoutThreeTest {
    @TempDir
    Path dir;

    @Test
    void aBlockListsItsKeysInOneEntryInKeyOrder() throws Exception {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(block(1, "c", "c1", "a", "a1", "bb", "b1", "", "empty key"));
            store.commitBlock(block(2));
            store.commitBlock(block(3, "a", "a3"));
            assertThat(store.blockWrites(2)).isEmpty();
            assertThat(s(store.blockWrites(1).get(b("")))).isEqualTo("empty key");
        }
        assertThat(index(dir, true))
                .as("one block-keys entry a block that wrote something, keys in unsigned order")
                .isEqualTo(Map.of(1L, List.of("", "a", "bb", "c"), 3L, List.of("a")));
        assertThat(index(dir, false)).as("no per-write entries").isEmpty();
    }

    @Test
    void aLayoutTwoStoreIsReadAsItIsThenUpgradedAndRolledBackAcrossBothIndexes() throws Exception {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(block(1, "k", "v1", "only1", "x"));
            store.commitBlock(block(2, "k", "v2", "gone", "g2"));
            store.commitBlock(block(3, "k", "v3", "gone", ""));
        }
        OlderLayouts.toLayoutTwo(dir);
        Map<Long, List<String>> layoutTwoIndex = index(dir, false);
        assertThat(layoutTwoIndex).containsOnlyKeys(1L, 2L, 3L);

        Map<String, String> before = DirectorySnapshot.of(dir);
        try (KeyValueStore store = new RocksDbStorageProvider().open(dir, Map.of(), Access.READ_ONLY)) {
            assertThat(dump(store, 1)).isEqualTo(Map.of("k", "v1", "only1", "x"));
            assertThat(dump(store, 3)).isEqualTo(Map.of("k", "v3", "gone", ""));
            assertThat(read(store, "k", 2)).isEqualTo("v2");
        }
        assertThat(DirectorySnapshot.of(dir))
                .as("a read-only open changes nothing")
                .isEqualTo(before);
        assertThat(OlderLayouts.layoutVersion(dir)).isEqualTo(2);

        try (KeyValueStore store = TestData.open(dir)) {
            assertThat(OlderLayouts.layoutVersion(dir)).isEqualTo(3);
            assertThat(dump(store, 2)).isEqualTo(Map.of("k", "v2", "gone", "g2"));
            store.commitBlock(block(4, "k", "v4", "new4", "n"));
            assertThat(dump(store, 4)).isEqualTo(Map.of("k", "v4", "new4", "n"));
            assertThat(index(dir, false)).as("older blocks keep their entries").isEqualTo(layoutTwoIndex);
            assertThat(index(dir, true)).isEqualTo(Map.of(4L, List.of("k", "new4")));

            // Blocks 2 and 3 (per-write entries) and 4 (one entry) go in one rollback.
            store.rollbackTo(1);
            assertThat(store.tip()).hasValue(1);
            assertThat(read(store, "k", 4)).isEqualTo("v1");
            assertThat(read(store, "gone", 4)).isEmpty();
            assertThat(read(store, "new4", 4)).isEmpty();
            assertThat(read(store, "only1", 4)).isEqualTo("x");
            for (long h = 2; h <= 4; h++) {
                assertThat(store.blockWrites(h)).as("block %d", h).isEmpty();
            }
            store.commitBlock(block(2, "k", "v2b"));
            assertThat(dump(store, 2)).isEqualTo(Map.of("k", "v2b"));
            assertThat(dump(store, 1)).isEqualTo(Map.of("k", "v1", "only1", "x"));
        }
        assertThat(index(dir, false)).isEqualTo(Map.of(1L, List.of("k", "only1")));
        assertThat(index(dir, true)).isEqualTo(Map.of(2L, List.of("k")));
    }

    @Test
    void aDamagedEntryIsReportedAndARollbackOverItWritesNothing() throws Exception {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(block(1, "a", "a1"));
            store.commitBlock(block(2, "a", "a2"));
        }
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, false);
        try {
            // A length prefix that runs past the end of the entry.
            raw.db().put(raw.blockKeys(), raw.syncWrite(), StoreKeys.u64(2), new byte[] {0, 0, 0, 9, 'a'});
        } finally {
            raw.natives().releaseAll();
        }
        try (KeyValueStore store = TestData.open(dir)) {
            assertThatThrownBy(() -> store.blockWrites(2))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("corrupt block-keys entry");
            assertThatThrownBy(() -> store.rollbackTo(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("corrupt block-keys entry");
            assertThat(store.tip()).hasValue(2);
            assertThat(read(store, "a", 2)).isEqualTo("a2");
            assertThat(read(store, "a", 1)).isEqualTo("a1");
        }
    }

    @Test
    void aFollowerOfALayoutTwoStoreFollowsTheWriterThatUpgradesItAndRefusesWhatItCannotSee() throws Exception {
        Path db = dir.resolve("db");
        try (KeyValueStore store = TestData.open(db)) {
            store.commitBlock(block(1, "a", "a1"));
        }
        OlderLayouts.toLayoutTwo(db);
        RocksDbStorageProvider provider = new RocksDbStorageProvider();
        try (FollowingStore follower = provider.openFollower(db, dir.resolve("follower"), Map.of())) {
            assertThat(dump(follower, 1)).isEqualTo(Map.of("a", "a1"));
            try (KeyValueStore writer = TestData.open(db)) {
                writer.commitBlock(block(2, "a", "a2", "b", "b2"));
            }
            assertThat(follower.catchUp()).hasValue(2);
            assertThat(read(follower, "a", 2)).isEqualTo("a2");
            assertThat(read(follower, "b", 2)).isEqualTo("b2");
            assertThat(read(follower, "a", 1)).isEqualTo("a1");
            assertThatThrownBy(() -> follower.blockWrites(2))
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                    .hasMessageContaining("upgraded it to layout 3 after this open")
                    .hasMessageContaining("block 2");
        }
        try (FollowingStore reopened = provider.openFollower(db, dir.resolve("follower"), Map.of())) {
            assertThat(dump(reopened, 2)).isEqualTo(Map.of("a", "a2", "b", "b2"));
            assertThat(dump(reopened, 1)).isEqualTo(Map.of("a", "a1"));
        }
    }

    /** A block index as height → keys (Latin-1): {@code block-keys} when {@code packed}, else {@code blocks}. */
    private static Map<Long, List<String>> index(Path dir, boolean packed) throws RocksDBException {
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, true);
        Map<Long, List<String>> index = new TreeMap<>();
        try (RocksIterator it = raw.db().newIterator(packed ? raw.blockKeys() : raw.blocks())) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (packed) {
                    List<String> keys = new ArrayList<>();
                    StoreKeys.blockKeysOf(it.value()).forEach(k -> keys.add(s(k)));
                    index.put(StoreKeys.blockKeysHeight(it.key()), keys);
                } else {
                    index.computeIfAbsent(StoreKeys.getLong(it.key(), 0), h -> new ArrayList<>())
                            .add(s(StoreKeys.blockEntryKey(it.key())));
                }
            }
        } finally {
            raw.natives().releaseAll();
        }
        return index;
    }

    private static Map<String, String> dump(KeyValueStore store, long height) {
        NavigableMap<byte[], byte[]> writes = store.blockWrites(height);
        Map<String, String> out = new TreeMap<>();
        writes.forEach((k, v) -> out.put(s(k), s(v)));
        return out;
    }
}
