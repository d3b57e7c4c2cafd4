package dev.jshrew.benchmarks;

import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import dev.jshrew.host.Storages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One guest read ({@code __get}) at the tip of a real database, as the indexer does it: the cost of the store's
 * read path, without the guest. The keys are those written by up to 64 blocks spread over the store's heights,
 * shuffled, read in turn: present keys of every age, as a UTXO-style indexer reads them (a random key misses the
 * block cache far more often than an indexer's reads, which favour recent outputs). The store is opened read-only,
 * so any jshrew database can be measured and none is changed; give several ({@code -p db=A,B}) to compare stores,
 * or builds of the read path, side by side in one run. With {@code -p missing=true} it reads keys no block wrote.
 *
 * <p>{@link #readAtTip} goes through the store's {@code get}, which opens an iterator for each read that {@code latest}
 * does not answer; {@link #readAtTipThroughReader} reuses one {@link HeightReader} for all its reads, as a block's
 * call does. Both run in one invocation, side by side.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar StoreReadBenchmark -p db=DB1,DB2}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class StoreReadBenchmark {
    /** A jshrew database directory (required). */
    @Param({""})
    public String db;

    /**
     * Whether to read keys no block wrote: each sampled key with four bytes {@code 0xff} appended. Most reads of
     * some indexers are of such keys (ord's reads on block 840243: 12,570 of 12,645).
     */
    @Param({"false"})
    public boolean missing;

    private KeyValueStore store;
    private long tip;
    private byte[][] keys;
    private int next;
    private HeightReader reader;

    @Setup(Level.Trial)
    public void open() {
        if (db.isEmpty()) {
            throw new IllegalArgumentException("give a database: -p db=DIR");
        }
        store = Storages.open(Path.of(db), StorageProvider.Access.READ_ONLY);
        tip = store.tip().orElseThrow(() -> new IllegalArgumentException(db + " has no block"));
        long first = store.stateRootAtOrBelow(0).isPresent() ? 0 : firstHeight(tip);
        List<byte[]> sample = new ArrayList<>();
        int blocks = 64;
        for (int i = 0; i < blocks; i++) {
            long h = first + (tip - first) * i / blocks;
            sample.addAll(store.blockWrites(h).keySet());
        }
        Collections.shuffle(sample, new Random(1));
        keys = sample.stream().map(k -> missing ? absent(k) : k).toArray(byte[][]::new);
        reader = store.readerAt(tip);
    }

    private byte[] absent(byte[] key) {
        byte[] longer = Arrays.copyOf(key, key.length + 4);
        Arrays.fill(longer, key.length, longer.length, (byte) 0xff);
        if (store.get(longer, tip).length != 0) {
            throw new IllegalStateException(db + " has a value for a key this benchmark takes as missing");
        }
        return longer;
    }

    /** The lowest height with a block: binary search on the state roots. */
    private long firstHeight(long top) {
        long lo = 0;
        long hi = top;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (store.stateRootAtOrBelow(mid).isPresent()) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    @Benchmark
    public byte[] readAtTip() {
        byte[] key = keys[next];
        next = next + 1 == keys.length ? 0 : next + 1;
        return store.get(key, tip);
    }

    @Benchmark
    public byte[] readAtTipThroughReader() {
        byte[] key = keys[next];
        next = next + 1 == keys.length ? 0 : next + 1;
        return reader.get(key);
    }

    @TearDown(Level.Trial)
    public void close() {
        reader.close();
        store.close();
    }
}
