package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.hashOf;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static dev.jshrew.storage.rocksdb.TestData.rootOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.storage.BlockCommit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Block commits: atomicity, ordering rules, the block index, hashes, roots and metadata. */
class CommitTest extends OpenStoreTest {
    @Test
    void freshStoreIsEmpty() {
        assertThat(store.tip()).isEmpty();
        assertThat(store.get(b("k"), 0)).isEmpty();
        assertThat(store.blockHash(0)).isEmpty();
        assertThat(store.stateRoot(0)).isEmpty();
        assertThat(store.stateRootAtOrBelow(Long.MAX_VALUE)).isEmpty();
        assertThat(store.blockWrites(0)).isEmpty();
    }

    @Test
    void commitMovesTipAndStoresHashAndRoot() {
        store.commitBlock(block(0, "k", "v"));
        assertThat(store.tip()).hasValue(0);
        assertThat(store.blockHash(0)).hasValueSatisfying(h -> assertThat(h).isEqualTo(hashOf(0)));
        assertThat(store.stateRoot(0)).hasValueSatisfying(r -> assertThat(r).isEqualTo(rootOf(0)));
        assertThat(store.blockHash(1)).isEmpty();
        assertThat(store.blockHash(-1)).isEmpty();
        assertThat(store.stateRoot(-1)).isEmpty();
    }

    @Test
    void heightAtOrBelowTipIsRejectedAndChangesNothing() {
        store.commitBlock(block(5, "k", "five"));

        assertThatThrownBy(() -> store.commitBlock(block(5, "k", "again")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.commitBlock(block(3, "k", "three")))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(store.tip()).hasValue(5);
        assertThat(read(store, "k", 5)).isEqualTo("five");
        assertThat(read(store, "k", 3)).isEmpty();
        assertThat(store.blockHash(3)).isEmpty();
        assertThat(store.blockWrites(5)).containsOnlyKeys(b("k"));
        assertThat(TestData.s(store.blockWrites(5).get(b("k")))).isEqualTo("five");
    }

    @Test
    void heightsNeedNotBeContiguous() {
        // The sample blocks: 0, 83636, 767430, committed in ascending order with gaps.
        store.commitBlock(block(0, "k", "genesis"));
        store.commitBlock(block(83_636, "k", "b83636", "x", "only"));
        store.commitBlock(block(767_430, "k", "b767430"));

        assertThat(store.tip()).hasValue(767_430);
        assertThat(read(store, "k", 83_635)).isEqualTo("genesis");
        assertThat(read(store, "k", 83_636)).isEqualTo("b83636");
        assertThat(read(store, "k", 767_429)).isEqualTo("b83636");
        assertThat(read(store, "x", 767_430)).isEqualTo("only");
        assertThat(store.blockHash(83_637)).isEmpty();
        assertThat(store.blockWrites(83_637)).isEmpty();
        assertThat(store.stateRootAtOrBelow(767_429))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(rootOf(83_636)));
    }

    @Test
    void failedCommitWritesNothing() {
        store.commitBlock(block(1, "a", "one"));
        // A TreeMap accepts a null value; the store must refuse the block before anything is written.
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        writes.put(b("a"), b("two"));
        writes.put(b("b"), null);
        writes.put(b("c"), b("two"));
        BlockCommit bad = block(2, writes);

        assertThatThrownBy(() -> store.commitBlock(bad)).isInstanceOf(NullPointerException.class);

        assertThat(store.tip()).hasValue(1);
        assertThat(read(store, "a", 2)).isEqualTo("one");
        assertThat(read(store, "c", 2)).isEmpty();
        assertThat(store.blockWrites(2)).isEmpty();
        assertThat(store.blockHash(2)).isEmpty();
        assertThat(store.stateRoot(2)).isEmpty();

        // The height is still free.
        store.commitBlock(block(2, "a", "two", "c", "two"));
        assertThat(store.tip()).hasValue(2);
        assertThat(read(store, "c", 2)).isEqualTo("two");
    }

    @Test
    void failedCommitLeavesNothingAfterReopen() {
        store.commitBlock(block(1, "a", "one"));
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        writes.put(b("a"), b("two"));
        writes.put(b("z"), null);
        assertThatThrownBy(() -> store.commitBlock(block(2, writes))).isInstanceOf(NullPointerException.class);
        store.close();

        store = TestData.open(dir);
        assertThat(store.tip()).hasValue(1);
        assertThat(read(store, "a", 2)).isEqualTo("one");
        assertThat(store.blockWrites(2)).isEmpty();
    }

    @Test
    void blockWritesAreSortedByUnsignedBytesWhateverTheInputOrder() {
        List<byte[]> keys = List.of(
                b(""),
                b("\0"),
                b("\0\0"),
                b("\u0001"),
                b("\u007f"),
                b("\u0080"),
                b("\u00ff"),
                b("a"),
                b("a\0"),
                b("a\u00ff"),
                b("b"));
        // Signed order puts 0x80..0xFF first: the store must not depend on the caller's comparator.
        NavigableMap<byte[], byte[]> signed = new TreeMap<>(Arrays::compare);
        for (byte[] key : keys) {
            signed.put(key, b("v" + TestData.s(key)));
        }
        store.commitBlock(block(7, signed));
        store.commitBlock(block(8, "\0", "next"));

        NavigableMap<byte[], byte[]> dump = store.blockWrites(7);
        List<byte[]> expected = new ArrayList<>(keys);
        expected.sort(BlockCommit.KEY_ORDER);
        assertThat(new ArrayList<>(dump.keySet())).containsExactlyElementsOf(expected);
        dump.forEach((key, value) -> assertThat(value).isEqualTo(b("v" + TestData.s(key))));
        assertThat(dump.comparator()).isSameAs(BlockCommit.KEY_ORDER);
        // Neighbouring heights do not leak into each other.
        assertThat(store.blockWrites(8)).containsOnlyKeys(b("\0"));
        assertThat(store.blockWrites(6)).isEmpty();
        assertThat(store.blockWrites(-1)).isEmpty();
        assertThat(store.blockWrites(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void emptyBlockMovesTheTip() {
        store.commitBlock(block(1, "k", "v"));
        store.commitBlock(block(2));
        assertThat(store.tip()).hasValue(2);
        assertThat(store.blockWrites(2)).isEmpty();
        assertThat(store.blockHash(2)).isPresent();
        assertThat(read(store, "k", 2)).isEqualTo("v");
    }

    @Test
    void stateRootAtOrBelowFindsTheNearestLowerRoot() {
        store.commitBlock(block(10));
        store.commitBlock(block(20));

        assertThat(store.stateRootAtOrBelow(-1)).isEmpty();
        assertThat(store.stateRootAtOrBelow(9)).isEmpty();
        assertThat(store.stateRootAtOrBelow(10))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(rootOf(10)));
        assertThat(store.stateRootAtOrBelow(15))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(rootOf(10)));
        assertThat(store.stateRootAtOrBelow(20))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(rootOf(20)));
        assertThat(store.stateRootAtOrBelow(Long.MAX_VALUE))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(rootOf(20)));
        assertThat(store.stateRoot(15)).isEmpty();
    }

    @Test
    void metadataIsCommittedWithItsBlockAndSeparateFromVersionedKeys() {
        assertThat(store.meta("indexer")).isEmpty();
        store.commitBlock(withMeta(
                block(3, "indexer", "guest value"),
                Map.of("indexer", b("sha256:abc"), "ünïcode/名前", b("x"), "", b("empty name"))));
        store.commitBlock(withMeta(block(4), Map.of("indexer", b("sha256:def"))));

        assertThat(store.meta("indexer")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("sha256:def")));
        assertThat(store.meta("ünïcode/名前"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(b("x")));
        assertThat(store.meta("")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("empty name")));
        assertThat(store.meta("indexe")).isEmpty();
        assertThat(read(store, "indexer", 4)).isEqualTo("guest value");
        assertThat(store.blockWrites(4)).isEmpty();

        // Rollbacks keep metadata.
        store.rollbackTo(-1);
        assertThat(store.tip()).isEmpty();
        assertThat(store.meta("indexer")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("sha256:def")));
    }

    @Test
    void aFailedCommitWritesNeitherItsMetadataNorItsBlock() {
        // A null value makes the batch fail while it is built, after the metadata is known: nothing may land.
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        writes.put(b("a"), b("one"));
        writes.put(b("b"), null);
        BlockCommit bad = withMeta(block(0, writes), Map.of("indexer", b("id"), "first", b("0")));
        assertThatThrownBy(() -> store.commitBlock(bad)).isInstanceOf(NullPointerException.class);
        assertNothingCommitted();

        // A height at or below the tip is refused with its metadata too.
        store.commitBlock(block(5, "a", "five"));
        assertThatThrownBy(() -> store.commitBlock(withMeta(block(5, "a", "again"), Map.of("indexer", b("other")))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.meta("indexer")).isEmpty();
        assertThat(read(store, "a", 5)).isEqualTo("five");

        // The same after a reopen: nothing of the failed commits reached the disk.
        store.close();
        store = TestData.open(dir);
        assertThat(store.tip()).hasValue(5);
        assertThat(store.meta("indexer")).isEmpty();
        assertThat(store.meta("first")).isEmpty();
        assertThat(store.blockHash(0)).isEmpty();
    }

    private void assertNothingCommitted() {
        assertThat(store.tip()).isEmpty();
        assertThat(store.meta("indexer")).isEmpty();
        assertThat(store.meta("first")).isEmpty();
        assertThat(store.blockHash(0)).isEmpty();
        assertThat(store.stateRoot(0)).isEmpty();
        assertThat(store.blockWrites(0)).isEmpty();
        assertThat(read(store, "a", 0)).isEmpty();
    }

    @Test
    void metadataCannotBeNull() {
        Map<String, byte[]> withNull = new HashMap<>();
        withNull.put("indexer", null);
        assertThatThrownBy(() -> withMeta(block(0), withNull)).isInstanceOf(NullPointerException.class);
    }

    private static BlockCommit withMeta(BlockCommit commit, Map<String, byte[]> meta) {
        return new BlockCommit(commit.height(), commit.writes(), commit.blockHash(), commit.stateRoot(), meta);
    }
}
