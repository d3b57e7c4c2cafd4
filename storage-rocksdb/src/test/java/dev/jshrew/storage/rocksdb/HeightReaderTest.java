package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.storage.HeightReader;
import org.junit.jupiter.api.Test;

/** {@link HeightReader}: one iterator for many reads at one height, and its life next to the store's. */
class HeightReaderTest extends OpenStoreTest {
    @Test
    void readsWhatGetReadsWithOneIterator() {
        store.commitBlock(block(5, "a", "a5", "ab", "ab5", "b", "b5"));
        store.commitBlock(block(7, "a", "a7", "c", "c7"));

        try (HeightReader reader = store.readerAt(6)) {
            // Out of key order on purpose, with misses between keys that have versions (the iterator then stands
            // on a neighbour's entry, which must read as missing).
            assertThat(s(reader.get(b("c")))).isEmpty();
            assertThat(s(reader.get(b("ab")))).isEqualTo("ab5");
            assertThat(s(reader.get(b("a")))).isEqualTo("a5");
            assertThat(s(reader.get(b("aa")))).isEmpty();
            assertThat(s(reader.get(b("b")))).isEqualTo("b5");
            assertThat(s(reader.get(b("")))).isEmpty();
            assertThat(s(reader.get(b("zz")))).isEmpty();
        }
        try (HeightReader reader = store.readerAt(7)) {
            assertThat(s(reader.get(b("a")))).isEqualTo("a7");
            assertThat(s(reader.get(b("c")))).isEqualTo("c7");
        }
        try (HeightReader reader = store.readerAt(-1)) {
            assertThat(reader.get(b("a"))).isEmpty();
        }
    }

    @Test
    void blocksCommittedAfterTheReaderChangeNoAnswerAtItsHeight() {
        store.commitBlock(block(5, "a", "a5", "b", "b5"));
        store.commitBlock(block(6, "c", "c6"));
        try (HeightReader first = store.readerAt(6);
                HeightReader idle = store.readerAt(5)) {
            // At the tip: answered by point lookups, so this reader has made no iterator yet.
            assertThat(s(first.get(b("a")))).isEqualTo("a5");
            store.commitBlock(block(7, "a", "a7", "b", "b7", "c", "c7", "d", "d7"));
            // Now the newest versions are above 6: the reader seeks, with an iterator made after block 7.
            assertThat(s(first.get(b("a")))).isEqualTo("a5");
            assertThat(s(first.get(b("b")))).isEqualTo("b5");
            assertThat(s(first.get(b("c")))).isEqualTo("c6");
            assertThat(s(first.get(b("d")))).isEmpty();
            // A reader whose first read comes after the commit answers as of its own height too.
            assertThat(s(idle.get(b("c")))).isEmpty();
            assertThat(s(idle.get(b("b")))).isEqualTo("b5");
        }
        try (HeightReader tip = store.readerAt(7)) {
            assertThat(s(tip.get(b("d")))).isEqualTo("d7");
        }
    }

    @Test
    void aClosedReaderRefusesReadsAndClosesTwice() {
        store.commitBlock(block(1, "k", "v"));
        HeightReader reader = store.readerAt(1);
        assertThat(s(reader.get(b("k")))).isEqualTo("v");
        reader.close();
        reader.close();
        assertThatThrownBy(() -> reader.get(b("k")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void closingTheStoreReleasesReadersLeftOpen() {
        store.commitBlock(block(1, "k", "v"));
        HeightReader reader = store.readerAt(1);
        store.close();
        // The iterator went with the store (it must not outlive the database); the reader now refuses reads.
        assertThatThrownBy(() -> reader.get(b("k")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        reader.close();
    }
}
