package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static dev.jshrew.storage.rocksdb.TestData.rootOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.BlockCommit;
import java.nio.ByteBuffer;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

/** Rollback (spec §4): atomic, complete, no key-count limit. */
class RollbackTest extends OpenStoreTest {
    @Test
    void rollbackRestoresTheStateAsOfTheTarget() {
        store.commitBlock(block(10, "both", "both@10", "below", "below@10"));
        store.commitBlock(block(20, "both", "both@20", "above", "above@20"));
        store.commitBlock(block(30, "both", "both@30", "below", "below@30"));

        store.rollbackTo(20);

        assertThat(store.tip()).hasValue(20);
        assertThat(read(store, "both", Long.MAX_VALUE)).isEqualTo("both@20");
        assertThat(read(store, "below", Long.MAX_VALUE)).isEqualTo("below@10");
        assertThat(read(store, "above", Long.MAX_VALUE)).isEqualTo("above@20");
        assertThat(store.blockHash(30)).isEmpty();
        assertThat(store.stateRoot(30)).isEmpty();
        assertThat(store.blockWrites(30)).isEmpty();
        assertThat(store.blockHash(20)).isPresent();
        assertThat(store.blockWrites(20)).containsOnlyKeys(b("both"), b("above"));
    }

    @Test
    void rollbackBetweenBlocksKeepsTheHighestBlockBelow() {
        store.commitBlock(block(10, "k", "k@10"));
        store.commitBlock(block(20, "k", "k@20", "new", "new@20"));
        store.commitBlock(block(30, "k", "k@30"));

        store.rollbackTo(25);
        assertThat(store.tip()).hasValue(20);
        assertThat(read(store, "k", 1000)).isEqualTo("k@20");

        store.rollbackTo(15);
        assertThat(store.tip()).hasValue(10);
        assertThat(read(store, "k", 1000)).isEqualTo("k@10");
        assertThat(read(store, "new", 1000)).isEmpty();
        assertThat(store.stateRootAtOrBelow(1000))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(rootOf(10)));
    }

    @Test
    void rollbackAtOrAboveTheTipDoesNothing() {
        store.rollbackTo(5); // empty store
        assertThat(store.tip()).isEmpty();

        store.commitBlock(block(10, "k", "v"));
        store.rollbackTo(10);
        store.rollbackTo(Long.MAX_VALUE);
        assertThat(store.tip()).hasValue(10);
        assertThat(read(store, "k", 10)).isEqualTo("v");
    }

    @Test
    void rollbackBelowEveryBlockEmptiesTheStore() {
        store.commitBlock(block(10, "k", "v10"));
        store.commitBlock(block(11, "k", "v11"));

        store.rollbackTo(5);

        assertThat(store.tip()).isEmpty();
        assertThat(read(store, "k", Long.MAX_VALUE)).isEmpty();
        assertThat(store.stateRootAtOrBelow(Long.MAX_VALUE)).isEmpty();
        // Any height can come next.
        store.commitBlock(block(3, "k", "v3"));
        assertThat(store.tip()).hasValue(3);
        assertThat(read(store, "k", 100)).isEqualTo("v3");
    }

    @Test
    void negativeTargetRemovesEverythingIncludingHeightZero() {
        store.commitBlock(block(0, "k", "v0"));
        store.commitBlock(block(1, "k", "v1"));
        store.rollbackTo(-1);
        assertThat(store.tip()).isEmpty();
        assertThat(read(store, "k", 0)).isEmpty();
        assertThat(store.blockWrites(0)).isEmpty();
        assertThat(store.blockHash(0)).isEmpty();
    }

    @Test
    void newBranchReplacesTheOldOneWithoutLeftovers() {
        store.commitBlock(block(1, "k", "base", "x", "x@1"));
        store.commitBlock(block(2, "k", "old@2", "orphan", "old@2"));
        store.commitBlock(block(3, "k", "old@3"));

        store.rollbackTo(1);
        store.commitBlock(block(2, "k", "new@2"));
        store.commitBlock(block(3, "x", "new@3"));

        assertThat(read(store, "k", 2)).isEqualTo("new@2");
        assertThat(read(store, "k", 3)).isEqualTo("new@2");
        assertThat(read(store, "orphan", 3)).isEmpty();
        assertThat(read(store, "x", 2)).isEqualTo("x@1");
        assertThat(read(store, "x", 3)).isEqualTo("new@3");
        assertThat(store.blockWrites(2)).containsOnlyKeys(b("k"));
        assertThat(store.blockWrites(3)).containsOnlyKeys(b("x"));
    }

    @Test
    void rollbackIsDurable() {
        store.commitBlock(block(1, "k", "v1"));
        store.commitBlock(block(2, "k", "v2", "gone", "g"));
        store.rollbackTo(1);
        store.close();

        store = TestData.open(dir);
        assertThat(store.tip()).hasValue(1);
        assertThat(read(store, "k", 5)).isEqualTo("v1");
        assertThat(read(store, "gone", 5)).isEmpty();
        assertThat(store.blockHash(2)).isEmpty();
    }

    @Test
    void rollbackHasNoKeyCountLimit() {
        int base = 10_000;
        int perBlock = 50_000;
        // Block 10 writes keys [0, base); blocks 11..13 write 150,000 distinct keys, the first block
        // overwriting the base keys.
        store.commitBlock(block(10, keys(0, base, "base")));
        store.commitBlock(block(11, keys(0, perBlock, "b11")));
        store.commitBlock(block(12, keys(perBlock, 2 * perBlock, "b12")));
        store.commitBlock(block(13, keys(2 * perBlock, 3 * perBlock, "b13")));
        assertThat(store.get(key(0), 13)).isEqualTo(b("b11"));
        assertThat(store.get(key(3 * perBlock - 1), 13)).isEqualTo(b("b13"));

        long start = System.nanoTime();
        store.rollbackTo(10);
        long rollbackMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(store.tip()).hasValue(10);
        for (int i = 0; i < 3 * perBlock; i++) {
            byte[] expected = i < base ? b("base") : new byte[0];
            byte[] actual = store.get(key(i), Long.MAX_VALUE);
            if (!java.util.Arrays.equals(actual, expected)) {
                throw new AssertionError("key " + i + " reads '" + TestData.s(actual) + "' after rollback");
            }
        }
        assertThat(store.blockWrites(11)).isEmpty();
        assertThat(store.blockWrites(12)).isEmpty();
        assertThat(store.blockWrites(13)).isEmpty();
        assertThat(store.blockWrites(10)).hasSize(base);
        assertThat(rollbackMillis)
                .as("rollback of 150,000 keys took %d ms", rollbackMillis)
                .isLessThan(10_000);
    }

    private static NavigableMap<byte[], byte[]> keys(int from, int to, String value) {
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        byte[] v = b(value);
        for (int i = from; i < to; i++) {
            writes.put(key(i), v);
        }
        return writes;
    }

    private static byte[] key(int i) {
        return ByteBuffer.allocate(7).put(b("key")).putInt(i).array();
    }
}
