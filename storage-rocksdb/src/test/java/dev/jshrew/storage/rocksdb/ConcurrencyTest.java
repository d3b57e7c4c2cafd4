package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.KeyValueStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** S-6 / C-38: reads run while blocks commit, and a read at or below the tip never changes. */
class ConcurrencyTest {
    private static final int KEYS = 16;
    private static final int BLOCKS = 400;

    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void readsAtOrBelowTheTipAreStableWhileBlocksCommit() throws InterruptedException {
        try (KeyValueStore store = TestData.open(dir)) {
            store.commitBlock(blockAt(1));
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong reads = new AtomicLong();

            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(Thread.ofPlatform().name("reader-" + r).start(() -> {
                    while (writing.get()) {
                        // A fixed height below the tip: never changes.
                        for (int k = 0; k < KEYS; k++) {
                            check(failures, store.get(key(k), 1), "v1", "key " + k + " at 1");
                        }
                        // The tip as read now: every key was written by that block, so all of it is visible.
                        OptionalLong tip = store.tip();
                        long t = tip.orElseThrow();
                        for (int k = 0; k < KEYS; k++) {
                            check(failures, store.get(key(k), t), "v" + t, "key " + k + " at tip " + t);
                        }
                        check(failures, store.get(b("only" + t), t), "o" + t, "only" + t);
                        // One above the tip: either the old or the new block, never a mixture of nothing.
                        byte[] above = store.get(key(0), t + 1);
                        if (!Arrays.equals(above, b("v" + t)) && !Arrays.equals(above, b("v" + (t + 1)))) {
                            failures.add("above tip " + t + ": " + TestData.s(above));
                        }
                        reads.addAndGet(2L * KEYS + 2);
                    }
                }));
            }
            for (long h = 2; h <= BLOCKS; h++) {
                store.commitBlock(blockAt(h));
            }
            writing.set(false);
            for (Thread reader : readers) {
                reader.join();
            }

            assertThat(failures).isEmpty();
            assertThat(reads.get()).isPositive();
            assertThat(store.tip()).hasValue(BLOCKS);
        }
    }

    private static void check(Queue<String> failures, byte[] actual, String expected, String what) {
        if (!Arrays.equals(actual, b(expected))) {
            failures.add(what + ": expected " + expected + ", read '" + TestData.s(actual) + "'");
        }
    }

    private static BlockCommit blockAt(long height) {
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        for (int k = 0; k < KEYS; k++) {
            writes.put(key(k), b("v" + height));
        }
        writes.put(b("only" + height), b("o" + height));
        return block(height, writes);
    }

    private static byte[] key(int k) {
        return b("key/" + k);
    }
}
