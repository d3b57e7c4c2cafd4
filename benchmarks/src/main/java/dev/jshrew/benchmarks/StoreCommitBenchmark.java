package dev.jshrew.benchmarks;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import dev.jshrew.host.Storages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;
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
 * What committing a block costs the store (issue 15): the writes one real block makes through one of our indexers,
 * committed again and again at ascending heights into a RocksDB store of its own, as the indexer commits a block
 * (the same {@code BlockCommit}: writes, hash, state root, one synced write). The store grows as an indexer's does,
 * so memtable flushes and compactions fall within the measurement. Nothing of the guest runs while it is measured.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar StoreCommitBenchmark} from the repository root
 * ({@code -p blockHeight=…}, {@code -p wasm=…} as {@link BlockBenchmark}'s).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class StoreCommitBenchmark {
    @Param({"840243"})
    public long blockHeight;

    @Param({"spendables/spendables.wasm"})
    public String wasm;

    /**
     * The store's options, {@code key=value} pairs separated by {@code ;} (the provider's keys, e.g.
     * {@code write-buffer-mb=16}); empty for its defaults.
     */
    @Param({""})
    public String storeOptions;

    private NavigableMap<byte[], byte[]> writes;
    private Path dir;
    private KeyValueStore store;
    private long height;

    @Setup(Level.Trial)
    public void start() throws IOException {
        writes = Guests.realBlockWrites(wasm, blockHeight);
        dir = Files.createTempDirectory("jshrew-commit-bench");
        Map<String, String> options = new java.util.HashMap<>();
        for (String pair : storeOptions.split(";")) {
            if (!pair.isBlank()) {
                String[] kv = pair.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("storeOptions: '" + pair + "' is not key=value");
                }
                options.put(kv[0].strip(), kv[1].strip());
            }
        }
        store = Storages.open(dir, options, StorageProvider.Access.READ_WRITE);
    }

    @Benchmark
    public long commit() {
        height++;
        byte[] hash = new byte[32];
        hash[0] = (byte) height;
        store.commitBlock(new BlockCommit(height, writes, hash, hash));
        return height;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        Guests.deleteTree(dir);
    }
}
