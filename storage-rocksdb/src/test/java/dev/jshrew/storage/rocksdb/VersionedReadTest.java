package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.BlockCommit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

/** Height-versioned reads (spec S-1..S-5, C-34..C-37). */
class VersionedReadTest extends OpenStoreTest {
    @Test
    void readAtHeightSeesNewestVersionAtOrBelowIt() {
        // C-34: versions at 5 and 7; Index(6) reads at 5, Index(8) at 7.
        store.commitBlock(block(5, "K", "v5"));
        store.commitBlock(block(7, "K", "v7"));

        assertThat(read(store, "K", 4)).isEmpty();
        assertThat(read(store, "K", 5)).isEqualTo("v5");
        assertThat(read(store, "K", 6)).isEqualTo("v5");
        assertThat(read(store, "K", 7)).isEqualTo("v7");
        assertThat(read(store, "K", 8)).isEqualTo("v7");
    }

    @Test
    void viewBetweenAtAndAboveWrites() {
        // C-35 and C-36: written at 10 and 20.
        store.commitBlock(block(10, "K", "v10"));
        store.commitBlock(block(20, "K", "v20"));

        assertThat(read(store, "K", 9)).isEmpty();
        assertThat(read(store, "K", 10)).isEqualTo("v10");
        assertThat(read(store, "K", 15)).isEqualTo("v10");
        assertThat(read(store, "K", 19)).isEqualTo("v10");
        assertThat(read(store, "K", 20)).isEqualTo("v20");
        assertThat(read(store, "K", 25)).isEqualTo("v20");
        assertThat(read(store, "K", Long.MAX_VALUE)).isEqualTo("v20");
        assertThat(read(store, "K", -1)).isEmpty();
        assertThat(read(store, "K", Long.MIN_VALUE)).isEmpty();
    }

    @Test
    void heightZeroIsAnOrdinaryHeight() {
        store.commitBlock(block(0, "K", "v0"));
        assertThat(read(store, "K", 0)).isEqualTo("v0");
        assertThat(read(store, "K", 1)).isEqualTo("v0");
    }

    @Test
    void keysWithAwkwardBytesAreIndependent() {
        // C-37: '/', 0x00, bytes >= 0x80, the empty key; and the original's own suffixes as plain keys.
        List<String> keys = List.of(
                "", "\0", "\0\0", "\u00ff", "\u00ff\u00ff", "/", "a/0", "a/length", "a", "\u0080", "\u00fe\u00ff\0");
        NavigableMap<byte[], byte[]> first = BlockCommit.newWriteMap();
        NavigableMap<byte[], byte[]> second = BlockCommit.newWriteMap();
        for (int i = 0; i < keys.size(); i++) {
            first.put(b(keys.get(i)), b("first-" + i));
            if (i % 2 == 0) {
                second.put(b(keys.get(i)), b("second-" + i));
            }
        }
        store.commitBlock(block(1, first));
        store.commitBlock(block(2, second));

        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            assertThat(read(store, key, 0)).as("key %s at 0", hex(key)).isEmpty();
            assertThat(read(store, key, 1)).as("key %s at 1", hex(key)).isEqualTo("first-" + i);
            assertThat(read(store, key, 2))
                    .as("key %s at 2", hex(key))
                    .isEqualTo(i % 2 == 0 ? "second-" + i : "first-" + i);
        }
    }

    @Test
    void keysThatArePrefixesOfOtherKeysDoNotShareVersions() {
        // The classic bug of key ‖ u64be(height) encodings: "a" ‖ height bytes collides with the key "a\0…".
        String a = "a";
        String a0 = "a\0";
        String a00 = "a\0\0";
        String aLooksLikeHeight3 = "a\0\0\0\0\0\0\0\3"; // "a" followed by u64be(3)
        String aLooksLikeVersion = "\0\0\0\1a\0\0\0\0\0\0\0\2"; // u32be(1) ‖ "a" ‖ u64be(2)
        store.commitBlock(block(1, a, "a@1"));
        store.commitBlock(block(2, a0, "a0@2", aLooksLikeVersion, "fake@2"));
        store.commitBlock(block(3, a00, "a00@3", aLooksLikeHeight3, "a-h3@3"));
        store.commitBlock(block(4, a0, "a0@4"));
        store.commitBlock(block(5, a, "a@5"));
        store.commitBlock(block(6, aLooksLikeHeight3, "a-h3@6"));

        Map<String, String[]> expected = new HashMap<>();
        //                          height: 0     1      2       3        4       5       6       7
        expected.put(a, new String[] {"", "a@1", "a@1", "a@1", "a@1", "a@5", "a@5", "a@5"});
        expected.put(a0, new String[] {"", "", "a0@2", "a0@2", "a0@4", "a0@4", "a0@4", "a0@4"});
        expected.put(a00, new String[] {"", "", "", "a00@3", "a00@3", "a00@3", "a00@3", "a00@3"});
        expected.put(aLooksLikeHeight3, new String[] {"", "", "", "a-h3@3", "a-h3@3", "a-h3@3", "a-h3@6", "a-h3@6"});
        expected.put(
                aLooksLikeVersion, new String[] {"", "", "fake@2", "fake@2", "fake@2", "fake@2", "fake@2", "fake@2"});
        expected.put("a\0\0\0", new String[] {"", "", "", "", "", "", "", ""});
        expected.put("", new String[] {"", "", "", "", "", "", "", ""});
        expected.forEach((key, values) -> {
            for (int h = 0; h < values.length; h++) {
                assertThat(read(store, key, h)).as("key %s at %d", hex(key), h).isEqualTo(values[h]);
            }
        });
    }

    @Test
    void emptyValueReadsAsMissing() {
        // S-4
        store.commitBlock(block(1, "k", "x", "never", ""));
        store.commitBlock(block(2, "k", ""));
        store.commitBlock(block(3, "other", "y"));

        assertThat(store.get(b("k"), 1)).containsExactly(b("x"));
        assertThat(store.get(b("k"), 2)).isEmpty();
        assertThat(store.get(b("k"), 3)).isEmpty();
        assertThat(store.get(b("never"), 1)).isEmpty();
        assertThat(store.get(b("never"), 3)).isEqualTo(store.get(b("missing"), 3));
        assertThat(store.blockWrites(2)).containsOnlyKeys(b("k"));
        assertThat(store.blockWrites(2).get(b("k"))).isEmpty();
    }

    @Test
    void largeKeysAndValues() {
        byte[] key = new byte[10_000];
        Arrays.fill(key, (byte) 0xFF);
        byte[] value = new byte[1 << 20];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        writes.put(key, value);
        store.commitBlock(block(1, writes));
        assertThat(store.get(key, 1)).isEqualTo(value);
        assertThat(store.get(Arrays.copyOf(key, key.length - 1), 1)).isEmpty();
    }

    private static String hex(String latin1) {
        StringBuilder out = new StringBuilder();
        for (byte x : b(latin1)) {
            out.append(String.format("%02x", x & 0xFF));
        }
        return "0x" + out;
    }
}
