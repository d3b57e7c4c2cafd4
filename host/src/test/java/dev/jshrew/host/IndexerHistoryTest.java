package dev.jshrew.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.host.IndexerHistory.Entry;
import dev.jshrew.host.StateRootTest.Chain;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The indexer history: its encoding, the implicit history of older databases, and what a rollback undoes. */
class IndexerHistoryTest {
    private static final byte[] OLD = sha(1);
    private static final byte[] NEW = sha(2);

    private static byte[] sha(int tag) {
        byte[] out = new byte[32];
        Arrays.fill(out, (byte) tag);
        return out;
    }

    private static Chain chain(long tip) {
        return new Chain().root(tip, StateRootTest.root(9));
    }

    @Test
    void aStoreWithoutAPinHasNoHistory() {
        assertThat(IndexerHistory.of(new Chain())).isEmpty();
        assertThat(IndexerHistory.of(chain(5))).isEmpty();
    }

    @Test
    void anOlderDatabaseHasTheImplicitHistoryOfItsFirstHeightAndPin() {
        Chain chain = chain(10).first(3);
        chain.meta.put(Indexer.META_INDEXER, OLD);
        assertThat(IndexerHistory.of(chain).orElseThrow().entries()).containsExactly(new Entry(3, OLD));
    }

    @Test
    void encodingRoundTripsAndUpgradesAppend() {
        IndexerHistory history = new IndexerHistory(List.of(new Entry(0, OLD))).upgradedAt(100, NEW);
        assertThat(new String(history.encode(), StandardCharsets.US_ASCII))
                .isEqualTo("0 " + Hashes.hex(OLD) + "\n100 " + Hashes.hex(NEW));
        Chain chain = chain(150);
        chain.meta.put(IndexerHistory.META_HISTORY, history.encode());
        assertThat(IndexerHistory.of(chain)).hasValue(history);
        assertThat(history.at(0).sha256()).isEqualTo(OLD);
        assertThat(history.at(99).sha256()).isEqualTo(OLD);
        assertThat(history.at(100).sha256()).isEqualTo(NEW);
        assertThat(history.heightsOf(OLD).orElseThrow()).containsExactly(0, 99);
        assertThat(history.heightsOf(NEW).orElseThrow()).containsExactly(100, Long.MAX_VALUE);
        assertThat(history.heightsOf(sha(3))).isEmpty();
        // An upgrade at or below an entry replaces it and everything above.
        assertThat(history.upgradedAt(50, sha(3)).entries()).containsExactly(new Entry(0, OLD), new Entry(50, sha(3)));
        assertThatThrownBy(() -> history.upgradedAt(0, sha(3))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUpgradeAboveTheTipWasUndoneByARollback() {
        byte[] recorded = new IndexerHistory(List.of(new Entry(0, OLD), new Entry(100, NEW))).encode();
        Chain below = chain(99);
        below.meta.put(IndexerHistory.META_HISTORY, recorded);
        assertThat(IndexerHistory.of(below).orElseThrow().entries()).containsExactly(new Entry(0, OLD));
        assertThat(IndexerHistory.recorded(below)).hasSize(2);
        Chain at = chain(100);
        at.meta.put(IndexerHistory.META_HISTORY, recorded);
        assertThat(IndexerHistory.of(at).orElseThrow().current()).isEqualTo(new Entry(100, NEW));
        // No block at all: the module that started the store, as before upgrades existed.
        Chain empty = new Chain();
        empty.meta.put(IndexerHistory.META_HISTORY, recorded);
        assertThat(IndexerHistory.of(empty).orElseThrow().entries()).containsExactly(new Entry(0, OLD));
    }

    @Test
    void aMalformedHistoryIsAStorageError() {
        for (String bad : List.of("", "0", "x " + Hashes.hex(OLD), "0 abc", "-1 " + Hashes.hex(OLD))) {
            Chain chain = chain(1);
            chain.meta.put(IndexerHistory.META_HISTORY, bad.getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> IndexerHistory.of(chain))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE));
        }
        Chain descending = chain(1);
        descending.meta.put(
                IndexerHistory.META_HISTORY,
                ("5 " + Hashes.hex(OLD) + "\n5 " + Hashes.hex(NEW)).getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> IndexerHistory.of(descending))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE));
    }
}
