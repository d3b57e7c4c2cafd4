package dev.jshrew.benchmarks;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.host.abi.BlockWrites;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a block's writes cost the host (issue 15): the writes of one real block through one of our indexers, in the
 * order the guest flushed them (shuffled with a fixed seed: a guest's hash map has no key order), put into a tree in
 * key order ({@code tree}, what {@code CallContext} kept before {@link BlockWrites}) or into {@link BlockWrites}
 * ({@code hashed}); then every key read once (what the next block's reads of them do with overlapped commits) and one
 * pass in key order (the state root's and the commit's).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BlockWritesBenchmark} from the repository root
 * ({@code -p blockHeight=…}, {@code -p wasm=…} as {@link BlockBenchmark}'s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class BlockWritesBenchmark {
    @Param({"840243"})
    public long blockHeight;

    @Param({"spendables/spendables.wasm"})
    public String wasm;

    private byte[][] keys;
    private byte[][] values;

    @Setup(Level.Trial)
    public void start() throws IOException {
        List<Map.Entry<byte[], byte[]>> writes =
                new ArrayList<>(Guests.realBlockWrites(wasm, blockHeight).entrySet());
        Collections.shuffle(writes, new Random(1));
        keys = writes.stream().map(Map.Entry::getKey).toArray(byte[][]::new);
        values = writes.stream().map(Map.Entry::getValue).toArray(byte[][]::new);
    }

    @Benchmark
    public long tree() {
        NavigableMap<byte[], byte[]> writes = new TreeMap<>(BlockCommit.KEY_ORDER);
        for (int i = 0; i < keys.length; i++) {
            writes.put(keys[i].clone(), values[i]);
        }
        return readAndWalk(writes::get, writes);
    }

    @Benchmark
    public long hashed() {
        BlockWrites writes = new BlockWrites();
        for (int i = 0; i < keys.length; i++) {
            writes.put(keys[i].clone(), values[i]);
        }
        return readAndWalk(writes::get, writes.sorted());
    }

    private long readAndWalk(java.util.function.Function<byte[], byte[]> get, NavigableMap<byte[], byte[]> sorted) {
        long sum = 0;
        for (byte[] k : keys) {
            sum += get.apply(k).length;
        }
        for (Map.Entry<byte[], byte[]> e : sorted.entrySet()) {
            sum += e.getKey().length;
        }
        return sum;
    }
}
