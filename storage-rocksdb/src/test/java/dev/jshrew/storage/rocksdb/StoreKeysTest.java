package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.storage.BlockCommit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key encoding sorts the way the store relies on. */
class StoreKeysTest {
    @Test
    void versionsOfOneKeyAreContiguousAndSortedByHeight() {
        List<byte[]> keys = List.of(b(""), b("\0"), b("a"), b("a\0"), b("a\0\0\0\0\0\0\0\0"), b("a\u00ff"), b("b"));
        long[] heights = {0, 1, 255, 256, 83_636, 767_430, Long.MAX_VALUE};
        List<byte[]> encoded = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int k = 0; k < keys.size(); k++) {
            for (long h : heights) {
                encoded.add(StoreKeys.version(keys.get(k), h));
                labels.add(k + "@" + h);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < encoded.size(); i++) {
            order.add(i);
        }
        order.sort((x, y) -> BlockCommit.KEY_ORDER.compare(encoded.get(x), encoded.get(y)));

        // In RocksDB's (unsigned bytewise) order, each key's versions form one run in ascending height.
        List<String> sorted = order.stream().map(labels::get).toList();
        for (int k = 0; k < keys.size(); k++) {
            int first = sorted.indexOf(k + "@0");
            for (int i = 0; i < heights.length; i++) {
                assertThat(sorted.get(first + i)).isEqualTo(k + "@" + heights[i]);
            }
        }
    }

    @Test
    void blockEntriesRoundTrip() {
        byte[] key = b("\0a/\u00ff");
        byte[] entry = StoreKeys.blockEntry(767_430, key);
        assertThat(StoreKeys.blockEntryKey(entry)).isEqualTo(key);
        assertThat(StoreKeys.versionOfBlockEntry(entry)).isEqualTo(StoreKeys.version(key, 767_430));
        assertThat(StoreKeys.getLong(StoreKeys.u64(Long.MAX_VALUE), 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(StoreKeys.taggedHeight(StoreKeys.hash(42))).isEqualTo(42);
        assertThat(StoreKeys.versionAt(StoreKeys.versionPrefix(key), 9)).isEqualTo(StoreKeys.version(key, 9));
    }

    @Test
    void versionKeysAndLatestValuesRoundTrip() {
        for (byte[] key : List.of(b(""), b("\0"), b("a\0\0\0\0\0\0\0\1"), b("\u00ff/x"))) {
            byte[] version = StoreKeys.version(key, 840_243);
            assertThat(StoreKeys.versionKey(version)).isEqualTo(key);
            assertThat(StoreKeys.versionHeight(version)).isEqualTo(840_243);
        }
        byte[] latest = StoreKeys.latestValue(767_430, b("v\0"));
        assertThat(StoreKeys.latestHeight(latest)).isEqualTo(767_430);
        assertThat(StoreKeys.latestPayload(latest)).isEqualTo(b("v\0"));
        assertThat(StoreKeys.latestPayload(StoreKeys.latestValue(1, new byte[0])))
                .isEmpty();
        // A version key whose length prefix disagrees with its size is refused, not misread.
        byte[] truncated = Arrays.copyOf(StoreKeys.version(b("abc"), 1), 10);
        assertThatThrownBy(() -> StoreKeys.versionKey(truncated)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StoreKeys.latestHeight(new byte[7])).isInstanceOf(IllegalStateException.class);
    }
}
