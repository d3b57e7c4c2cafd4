package dev.jshrew.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.host.abi.BlockWrites;
import dev.jshrew.host.abi.StateReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadCacheTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A store of one height: its values by key, and the keys read from it in order. */
    private static final class Below implements StateReader {
        final Map<String, byte[]> values = new HashMap<>();
        final List<String> reads = new ArrayList<>();

        @Override
        public byte[] get(byte[] key) {
            String k = new String(key, StandardCharsets.UTF_8);
            reads.add(k);
            return values.getOrDefault(k, new byte[0]);
        }
    }

    @Test
    void aReadIsKeptAndAnsweredAgainWithoutTheStore() {
        ReadCache cache = new ReadCache(1 << 20);
        Below below = new Below();
        below.values.put("a", b("1"));
        StateReader reads = cache.readsFor(10, below);
        assertThat(reads.get(b("a"))).isEqualTo(b("1"));
        assertThat(reads.get(b("a"))).isEqualTo(b("1"));
        assertThat(reads.get(b("missing"))).isEmpty();
        assertThat(reads.get(b("missing"))).isEmpty(); // a key the store lacks is kept too
        assertThat(below.reads).containsExactly("a", "missing");
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(2);
        assertThat(cache.height()).isEqualTo(9);
    }

    @Test
    void aBlocksWritesUpdateTheKeysKeptAndAddNone() {
        ReadCache cache = new ReadCache(1 << 20);
        Below below = new Below();
        below.values.put("kept", b("old"));
        cache.readsFor(10, below).get(b("kept"));
        BlockWrites writes = new BlockWrites();
        writes.put(b("kept"), b("new value"));
        writes.put(b("other"), b("x"));
        cache.advance(10, writes);
        assertThat(cache.height()).isEqualTo(10);
        assertThat(cache.size()).isEqualTo(1);
        below.values.clear(); // block 11 reads the state as of 10: what the cache holds, or the store
        below.values.put("other", b("x"));
        StateReader reads = cache.readsFor(11, below);
        assertThat(reads.get(b("kept"))).isEqualTo(b("new value"));
        assertThat(reads.get(b("other"))).isEqualTo(b("x"));
        assertThat(below.reads).containsExactly("kept", "other");
        assertThat(cache.bytes()).isEqualTo(2L * ReadCache.ENTRY_OVERHEAD + "kept".length() + 9 + "other".length() + 1);
    }

    @Test
    void anyOtherHeightEmptiesTheCacheFirst() {
        ReadCache cache = new ReadCache(1 << 20);
        Below below = new Below();
        below.values.put("a", b("1"));
        cache.readsFor(10, below).get(b("a"));
        cache.advance(10, new BlockWrites());
        // a reorg: block 10 again (the store was rolled back to 9), then a block that skips a height
        for (long height : new long[] {10, 12, 5}) {
            below.reads.clear();
            StateReader reads = cache.readsFor(height, below);
            assertThat(cache.size()).as("entries for block %d", height).isZero();
            assertThat(reads.get(b("a"))).isEqualTo(b("1"));
            assertThat(below.reads).containsExactly("a");
        }
        // a block's writes on top of a height the cache does not hold: emptied too
        cache.readsFor(20, below).get(b("a"));
        BlockWrites writes = new BlockWrites();
        writes.put(b("a"), b("2"));
        cache.advance(22, writes);
        assertThat(cache.size()).isZero();
        assertThat(cache.height()).isEqualTo(22);
        cache.clear();
        assertThat(cache.height()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void theLeastRecentlyUsedGoFirstAndTheBytesStayWithinTheCapacity() {
        long entry = ReadCache.ENTRY_OVERHEAD + 2 + 1; // a key of 2 bytes and a value of 1
        ReadCache cache = new ReadCache(3 * entry);
        Below below = new Below();
        StateReader reads = cache.readsFor(1, below);
        for (String k : List.of("k1", "k2", "k3")) {
            below.values.put(k, b("v"));
            reads.get(b(k));
        }
        reads.get(b("k1")); // k1 is now the most recently used: k2 goes first
        below.values.put("k4", b("v"));
        reads.get(b("k4"));
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.bytes()).isEqualTo(3 * entry);
        below.reads.clear();
        for (String k : List.of("k1", "k3", "k4", "k2")) {
            reads.get(b(k));
        }
        assertThat(below.reads).containsExactly("k2");
        // a write that makes a kept value longer evicts too
        BlockWrites writes = new BlockWrites();
        writes.put(b("k4"), new byte[40]);
        cache.advance(1, writes);
        assertThat(cache.bytes()).isLessThanOrEqualTo(3 * entry);
        assertThat(cache.readsFor(2, below).get(b("k4"))).hasSize(40);
    }

    @Test
    void anEntryLargerThanTheCacheIsNotKept() {
        ReadCache cache = new ReadCache(ReadCache.ENTRY_OVERHEAD + 10);
        Below below = new Below();
        below.values.put("big", new byte[100]);
        below.values.put("s", b("1"));
        StateReader reads = cache.readsFor(1, below);
        reads.get(b("s"));
        assertThat(reads.get(b("big"))).hasSize(100);
        assertThat(reads.get(b("big"))).hasSize(100);
        assertThat(below.reads).containsExactly("s", "big", "big");
        assertThat(cache.size()).isEqualTo(1);
        assertThatThrownBy(() -> new ReadCache(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomReadsAndWritesAnswerWhatTheStoreHolds() {
        // a model store over 300 heights; the cache, small enough to evict, must answer every read as the store does
        Random random = new Random(7);
        ReadCache cache = new ReadCache(40L * (ReadCache.ENTRY_OVERHEAD + 8));
        Map<String, byte[]> state = new HashMap<>();
        long hitsSeen = 0;
        for (long height = 0; height < 300; height++) {
            Below below = new Below();
            below.values.putAll(state);
            StateReader reads = cache.readsFor(height, below);
            for (int i = 0; i < 50; i++) {
                String k = "k" + random.nextInt(120);
                assertThat(reads.get(b(k))).as("%s at %d", k, height).isEqualTo(state.getOrDefault(k, new byte[0]));
            }
            BlockWrites writes = new BlockWrites();
            for (int i = 0; i < 20; i++) {
                String k = "k" + random.nextInt(120);
                byte[] v = new byte[random.nextInt(6)];
                random.nextBytes(v);
                writes.put(b(k), v);
            }
            writes.forEach((k, v) -> state.put(new String(k.bytes(), StandardCharsets.UTF_8), v));
            cache.advance(height, writes);
            assertThat(cache.bytes()).isLessThanOrEqualTo(40L * (ReadCache.ENTRY_OVERHEAD + 8));
            hitsSeen = cache.hits();
        }
        assertThat(hitsSeen).isGreaterThan(1000);
        assertThat(cache.misses()).isGreaterThan(1000);
    }
    /**
     * With a value table: whatever the table holds for a key is the key's value at the cache's height, after every
     * read, every block, an eviction, a skipped height and an emptied cache; and it holds keys read lately.
     */
    @Test
    void theValueTableHoldsOnlyCurrentValues() {
        Random random = new Random(8);
        var table = new dev.jshrew.api.engine.ValueTable(dev.jshrew.api.engine.ValueTable.MIN_LOG2_SLOTS);
        ReadCache cache = new ReadCache(60L * (ReadCache.ENTRY_OVERHEAD + 40), table);
        Map<String, byte[]> state = new HashMap<>();
        List<String> universe = new ArrayList<>();
        for (int n = 0; n < 150; n++) {
            universe.add("key-" + n);
        }
        java.util.function.Consumer<String> check = when -> {
            for (String k : universe) {
                byte[] held = table.get(b(k));
                if (held != null) {
                    assertThat(held).as("%s %s", k, when).isEqualTo(state.getOrDefault(k, new byte[0]));
                }
            }
        };
        int heldAfterReads = 0;
        long height = 0;
        for (int round = 0; round < 300; round++, height++) {
            if (round % 97 == 96) {
                height += 2; // another height: the cache and the table are emptied
            }
            if (round % 71 == 70) {
                cache.clear(); // a failed commit
                check.accept("after a clear");
            }
            Below below = new Below();
            below.values.putAll(state);
            StateReader reads = cache.readsFor(height, below);
            check.accept("before the reads of " + height);
            for (int i = 0; i < 40; i++) {
                String k = universe.get(random.nextInt(universe.size()));
                assertThat(reads.get(b(k))).isEqualTo(state.getOrDefault(k, new byte[0]));
                if (table.get(b(k)) != null) {
                    heldAfterReads++;
                }
            }
            check.accept("after the reads of " + height);
            BlockWrites writes = new BlockWrites();
            for (int i = 0; i < 15; i++) {
                String k = universe.get(random.nextInt(universe.size()));
                byte[] v = new byte[random.nextInt(10) == 0 ? 129 + random.nextInt(50) : random.nextInt(40)];
                random.nextBytes(v);
                writes.put(b(k), v);
            }
            writes.forEach((k, v) -> state.put(new String(k.bytes(), StandardCharsets.UTF_8), v));
            cache.advance(height, writes);
            check.accept("after block " + height);
        }
        assertThat(heldAfterReads).as("reads whose key the table then held").isGreaterThan(3000);
    }
}
