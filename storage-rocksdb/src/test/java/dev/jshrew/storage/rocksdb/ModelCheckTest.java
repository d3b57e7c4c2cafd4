package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.KeyValueStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random commits, rollbacks and reopens, checked against a plain in-memory model of spec §3/§4 after every step:
 * every key at every height, the dump of every block, hashes, roots and the tip.
 */
class ModelCheckTest {
    /** Keys chosen to collide under naive encodings: prefixes of each other, zero and 0xFF bytes, separators. */
    private static final List<byte[]> KEYS = List.of(
            b(""),
            b("\0"),
            b("\0\0"),
            b("a"),
            b("a\0"),
            b("a\0\0"),
            b("a\0\0\0\0\0\0\0\1"),
            b("a/"),
            b("a/0"),
            b("a/length"),
            b("\u00ff"),
            b("\u00ff\u00ff"),
            b("b"));

    private static final long SEED = 0x6A736872L;
    private static final int STEPS = 160;

    @TempDir
    Path dir;

    /** height → that block's writes. */
    private final TreeMap<Long, NavigableMap<byte[], byte[]>> model = new TreeMap<>();

    @Test
    void storeMatchesTheModel() {
        Random random = new Random(SEED);
        KeyValueStore store = TestData.open(dir);
        try {
            for (int step = 0; step < STEPS; step++) {
                int action = random.nextInt(10);
                String what;
                if (action < 7) {
                    long height = model.isEmpty() ? random.nextInt(3) : model.lastKey() + 1 + random.nextInt(3);
                    NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
                    int count = random.nextInt(5);
                    for (int i = 0; i < count; i++) {
                        byte[] value = random.nextInt(5) == 0 ? new byte[0] : b("h" + height + "#" + i);
                        writes.put(KEYS.get(random.nextInt(KEYS.size())), value);
                    }
                    store.commitBlock(TestData.block(height, writes));
                    model.put(height, writes);
                    what = "commit " + height;
                } else if (action < 9) {
                    long target = model.isEmpty() ? 0 : model.lastKey() - random.nextInt(6);
                    store.rollbackTo(target);
                    model.tailMap(target, false).clear();
                    what = "rollback to " + target;
                } else {
                    store.close();
                    store = TestData.open(dir);
                    what = "reopen";
                }
                verify(store, "step " + step + " (" + what + ", seed " + SEED + ")");
            }
        } finally {
            store.close();
        }
    }

    private void verify(KeyValueStore store, String context) {
        long tip = model.isEmpty() ? -1 : model.lastKey();
        assertThat(store.tip().orElse(-1)).as(context).isEqualTo(tip);
        for (long h = -1; h <= tip + 2; h++) {
            for (byte[] key : KEYS) {
                checkRead(store.get(key, h), expected(key, h), key, h, context);
            }
            // The same reads through one reader, forwards and backwards: its iterator is reused from key to key.
            try (HeightReader reader = store.readerAt(h)) {
                for (byte[] key : KEYS) {
                    checkRead(reader.get(key), expected(key, h), key, h, context + ", reader forwards");
                }
                for (byte[] key : KEYS.reversed()) {
                    checkRead(reader.get(key), expected(key, h), key, h, context + ", reader backwards");
                }
            }
            NavigableMap<byte[], byte[]> block = model.get(h);
            NavigableMap<byte[], byte[]> dump = store.blockWrites(h);
            assertThat(dump.keySet())
                    .as(context + " dump of " + h)
                    .containsExactlyElementsOf(block == null ? List.of() : block.keySet());
            if (block != null) {
                for (Map.Entry<byte[], byte[]> e : block.entrySet()) {
                    assertThat(dump.get(e.getKey())).as(context).isEqualTo(e.getValue());
                }
            }
            assertThat(store.blockHash(h).isPresent())
                    .as(context + " hash of " + h)
                    .isEqualTo(block != null);
            Map.Entry<Long, NavigableMap<byte[], byte[]>> floor = h < 0 ? null : model.floorEntry(h);
            assertThat(store.stateRootAtOrBelow(h).orElse(null))
                    .as(context + " root at or below " + h)
                    .isEqualTo(floor == null ? null : TestData.rootOf(floor.getKey()));
        }
    }

    private static void checkRead(byte[] actual, byte[] expected, byte[] key, long h, String context) {
        if (!Arrays.equals(actual, expected)) {
            throw new AssertionError(context + ": key " + HexFormat.of().formatHex(key) + " at " + h + " reads '"
                    + TestData.s(actual) + "', model says '" + TestData.s(expected) + "'");
        }
    }

    private byte[] expected(byte[] key, long height) {
        if (height < 0) {
            return new byte[0];
        }
        for (NavigableMap<byte[], byte[]> writes :
                model.headMap(height, true).descendingMap().values()) {
            byte[] value = writes.get(key);
            if (value != null) {
                return value;
            }
        }
        return new byte[0];
    }
}
