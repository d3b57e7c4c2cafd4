package dev.jshrew.api.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyFilterTest {
    private static final ValueLayout.OfLong LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static List<byte[]> keys(long seed, int n, int maxLength) {
        Random random = new Random(seed);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[random.nextInt(maxLength + 1)];
            random.nextBytes(k);
            keys.add(k);
        }
        return keys;
    }

    @Test
    void everyAddedKeyMayBePresentAndFewOthersAre() {
        KeyFilter filter = new KeyFilter(14); // 16,384 words: 52 bits a key
        List<byte[]> added = keys(1, 20_000, 80);
        added.forEach(filter::add);
        assertThat(added).allMatch(filter::mayContain);
        // keys of 8 bytes or more, so none of them was added: three bits in one word of 64, 26 bits a key
        long positives = keys(2, 100_000, 80).stream()
                .filter(k -> k.length >= 8)
                .filter(filter::mayContain)
                .count();
        assertThat(positives).as("false positives of about 90,000").isBetween(1L, 500L);
    }

    @Test
    void theHashDependsOnEveryByteAndTheLength() {
        byte[] key = new byte[40];
        long h = KeyFilter.hash(key);
        for (int i = 0; i < key.length; i++) {
            byte[] changed = key.clone();
            changed[i] = 1;
            assertThat(KeyFilter.hash(changed)).as("byte %d", i).isNotEqualTo(h);
        }
        assertThat(KeyFilter.hash(new byte[39])).isNotEqualTo(h);
        assertThat(KeyFilter.hash(new byte[0])).isNotEqualTo(KeyFilter.hash(new byte[1]));
        assertThat(Long.bitCount(KeyFilter.bits(h))).isBetween(1, 3);
    }

    @Test
    void aCopyCatchesUpWithTheChangesOrIsMadeWhole() {
        KeyFilter filter = new KeyFilter(KeyFilter.MIN_LOG2_WORDS);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(filter.copyBytes());
            long generation = filter.copyTo(copy, -1);
            assertThat(copy.get(LE, 0)).as("active").isEqualTo(1);
            assertThat(copy.get(LE, 8)).as("mask").isEqualTo(1023);
            for (int round = 0; round < 5; round++) {
                keys(10 + round, 300, 30).forEach(filter::add);
                generation = filter.copyTo(copy, generation);
                assertThat(wordsOf(copy, filter.words())).isEqualTo(wordsOf(whole(filter, arena), filter.words()));
            }
            byte[] absent = keys(40, 1000, 30).stream()
                    .filter(k -> !filter.mayContain(k))
                    .findFirst()
                    .orElseThrow();
            filter.setActive(false);
            filter.copyTo(copy, generation);
            assertThat(copy.get(LE, 0)).as("off").isZero();
            assertThat(filter.mayContain(absent)).as("off").isTrue();
            filter.setActive(true);
            filter.incomplete();
            filter.copyTo(copy, generation);
            assertThat(copy.get(LE, 0)).as("still being filled").isZero();
            assertThat(filter.mayContain(absent)).as("filling").isTrue();
            filter.complete();
            filter.copyTo(copy, generation);
            assertThat(copy.get(LE, 0)).as("filled").isEqualTo(1);
            // past a quarter of the words in changes, the journal starts again: an old copy is made whole
            keys(20, 5_000, 30).forEach(filter::add);
            filter.copyTo(copy, generation);
            assertThat(wordsOf(copy, filter.words())).isEqualTo(wordsOf(whole(filter, arena), filter.words()));
            // two copies: the one behind the other is made whole once the other has caught up
            MemorySegment behind = whole(filter, arena);
            long behindGeneration = filter.copyTo(behind, -1);
            keys(30, 200, 30).forEach(filter::add);
            generation = filter.copyTo(copy, generation);
            keys(31, 200, 30).forEach(filter::add);
            filter.copyTo(behind, behindGeneration);
            assertThat(wordsOf(behind, filter.words())).isEqualTo(wordsOf(whole(filter, arena), filter.words()));
            filter.copyTo(copy, generation);
            assertThat(wordsOf(copy, filter.words())).isEqualTo(wordsOf(whole(filter, arena), filter.words()));
            // a generation from another filter's future is made whole too
            MemorySegment fresh = arena.allocate(filter.copyBytes());
            new KeyFilter(KeyFilter.MIN_LOG2_WORDS).copyTo(fresh, -1);
            filter.copyTo(fresh, Long.MAX_VALUE);
            assertThat(wordsOf(fresh, filter.words())).isEqualTo(wordsOf(whole(filter, arena), filter.words()));
        }
    }

    /** Adding keys together or one by one gives the same filter, the same copies and the same journal. */
    @Test
    void addingKeysTogetherIsAddingThemOneByOne() {
        KeyFilter together = new KeyFilter(KeyFilter.MIN_LOG2_WORDS);
        KeyFilter oneByOne = new KeyFilter(KeyFilter.MIN_LOG2_WORDS);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copyTogether = whole(together, arena);
            MemorySegment copyOneByOne = whole(oneByOne, arena);
            long generationTogether = together.copyTo(copyTogether, -1);
            long generationOneByOne = oneByOne.copyTo(copyOneByOne, -1);
            for (int round = 0; round < 4; round++) {
                List<byte[]> keys = keys(50 + round, round == 3 ? 3_000 : 150 * round, 40); // none, then more
                together.addAll(keys);
                keys.forEach(oneByOne::add);
                generationTogether = together.copyTo(copyTogether, generationTogether);
                generationOneByOne = oneByOne.copyTo(copyOneByOne, generationOneByOne);
                assertThat(generationTogether).as("round %d", round).isEqualTo(generationOneByOne);
                assertThat(wordsOf(copyTogether, together.words()))
                        .isEqualTo(wordsOf(copyOneByOne, oneByOne.words()))
                        .isEqualTo(wordsOf(whole(together, arena), together.words()));
                assertThat(keys).allMatch(together::mayContain);
            }
        }
    }

    private static MemorySegment whole(KeyFilter filter, Arena arena) {
        MemorySegment s = arena.allocate(filter.copyBytes());
        filter.copyTo(s, -1);
        return s;
    }

    private static List<Long> wordsOf(MemorySegment copy, int words) {
        List<Long> out = new ArrayList<>(words);
        for (int i = 0; i < words; i++) {
            out.add(copy.get(LE, KeyFilter.HEADER_BYTES + 8L * i));
        }
        return out;
    }

    @Test
    void itsSizeIsAPowerOfTwoWithinItsBounds() {
        assertThat(new KeyFilter(KeyFilter.MIN_LOG2_WORDS).words()).isEqualTo(1024);
        assertThat(new KeyFilter(KeyFilter.MIN_LOG2_WORDS).copyBytes()).isEqualTo(16 + 8192);
        assertThatThrownBy(() -> new KeyFilter(KeyFilter.MIN_LOG2_WORDS - 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyFilter(KeyFilter.MAX_LOG2_WORDS + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
