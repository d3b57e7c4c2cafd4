package dev.jshrew.host.abi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.BlockCommit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BlockWritesTest {
    private static final HexFormat HEX = HexFormat.of();

    /** Keys of 0–40 bytes over a small alphabet, so that many share prefixes, and bytes above 0x7f sort last. */
    private static byte[] key(Random random) {
        byte[] k = new byte[random.nextInt(41)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) new int[] {0x00, 0x01, 0x7f, 0x80, 0xff}[random.nextInt(5)];
        }
        return k;
    }

    private static List<String> hex(Map<byte[], byte[]> map) {
        List<String> out = new ArrayList<>();
        map.forEach((k, v) -> out.add(HEX.formatHex(k) + "=" + HEX.formatHex(v)));
        return out;
    }

    /** Against a tree in key order: the same final values, found by any array of the same bytes, in the same order. */
    @Test
    void theWritesAreATreeInKeyOrderFoundByHash() {
        Random random = new Random(7);
        BlockWrites writes = new BlockWrites();
        NavigableMap<byte[], byte[]> expected = new TreeMap<>(BlockCommit.KEY_ORDER);
        for (int i = 0; i < 20_000; i++) {
            byte[] k = key(random);
            byte[] v = new byte[random.nextInt(5)];
            random.nextBytes(v);
            writes.put(k.clone(), v); // a later put of equal bytes replaces the value
            expected.put(k, v);
        }
        assertThat(writes.size()).isEqualTo(expected.size()).isGreaterThan(5_000);
        NavigableMap<byte[], byte[]> sorted = writes.sorted();
        assertThat(hex(sorted)).isEqualTo(hex(expected));
        assertThat(sorted.comparator()).isSameAs(BlockCommit.KEY_ORDER);
        assertThat(sorted.firstKey()).isEmpty(); // the empty key sorts first
        byte[] last = new byte[40];
        java.util.Arrays.fill(last, (byte) 0xff);
        assertThat(HEX.formatHex(sorted.lastKey())).isEqualTo(HEX.formatHex(expected.lastKey()));
        for (Map.Entry<byte[], byte[]> e : expected.entrySet()) {
            assertThat(writes.get(e.getKey().clone())).isEqualTo(e.getValue());
            assertThat(sorted.get(e.getKey().clone())).isEqualTo(e.getValue());
        }
        int absent = 0;
        for (int i = 0; i < 2_000; i++) {
            byte[] k = key(random);
            if (!expected.containsKey(k)) {
                absent++;
                assertThat(writes.get(k)).isNull();
            }
        }
        assertThat(absent).isPositive();
        List<String> keys = new ArrayList<>();
        writes.keys().forEach(k -> keys.add(HEX.formatHex(k)));
        assertThat(keys).doesNotHaveDuplicates().hasSize(expected.size());
        assertThat(sorted.headMap(last, true)).hasSize(expected.size()); // a TreeMap: navigable
    }

    /**
     * Keys as a block writes them: long shared prefixes (a family's name, a script's type), then bytes that often
     * are zero, so many keys end inside the bytes the sort takes next and tie with longer ones.
     */
    @Test
    void keysSharingLongPrefixesSortInKeyOrder() {
        Random random = new Random(11);
        byte[][] prefixes = {new byte[0], "/outputs/".getBytes(), "/outputs/\u0000\u0016\u0000\u0014".getBytes()};
        for (int round = 0; round < 20; round++) {
            BlockWrites writes = new BlockWrites();
            NavigableMap<byte[], byte[]> expected = new TreeMap<>(BlockCommit.KEY_ORDER);
            int n = 1 + random.nextInt(round < 10 ? 200 : 6_000);
            for (int i = 0; i < n; i++) {
                byte[] prefix = prefixes[random.nextInt(prefixes.length)];
                byte[] k = java.util.Arrays.copyOf(prefix, prefix.length + random.nextInt(16));
                for (int j = prefix.length; j < k.length; j++) {
                    k[j] = (byte) (random.nextInt(3) == 0 ? 0 : random.nextInt(4) == 0 ? 0xff : random.nextInt(3));
                }
                byte[] v = {(byte) i};
                writes.put(k, v);
                expected.put(k, v);
            }
            assertThat(hex(writes.sorted())).as("round %d, %d writes", round, n).isEqualTo(hex(expected));
        }
    }

    @Test
    void theOrderIsMadeOnceAndAgainAfterAWrite() {
        BlockWrites writes = new BlockWrites();
        assertThat(writes.isEmpty()).isTrue();
        assertThat(writes.sorted()).isEmpty();
        writes.put(new byte[] {2}, new byte[] {20});
        writes.put(new byte[] {(byte) 0x90}, new byte[] {90});
        NavigableMap<byte[], byte[]> first = writes.sorted();
        assertThat(writes.sorted()).isSameAs(first);
        writes.put(new byte[] {1}, new byte[0]);
        writes.put(new byte[] {2}, new byte[] {21});
        assertThat(hex(writes.sorted())).containsExactly("01=", "02=15", "90=5a");
        assertThat(hex(first)).as("a map handed out stays as it was").containsExactly("02=14", "90=5a");
    }
}
