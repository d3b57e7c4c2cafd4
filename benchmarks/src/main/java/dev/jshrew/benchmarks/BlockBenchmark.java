package dev.jshrew.benchmarks;

import dev.jshrew.host.BlockResult;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.RunOptions;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
 * How long does one real mainnet block take through the Rust spendables indexer, per engine, at steady state
 * (after warm-up), including the pristine-instance reset and the RocksDB commit? The same block is indexed at
 * ascending heights (the guest treats each as a new block, so the store grows as on a real chain).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BlockBenchmark -p engine=chicory} from the repository root.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-XX:-DontCompileHugeMethods"})
public class BlockBenchmark {
    @Param({"chicory"})
    public String engine;

    @Param({"840243"})
    public long blockHeight;

    /**
     * The indexer: a guest bundled in benchmarks.jar (a path under {@code guests/}), or a wasm file on disk (any
     * metashrew indexer, e.g. a public release build fetched to measure; see {@code v8-compare.sh}).
     */
    @Param({"spendables/spendables.wasm"})
    public String wasm;

    /**
     * Whether each block's commit is written while the next block runs (the node's default, {@code
     * --commit-overlap on}); then one operation is a block's run and reset plus its wait for the previous commit, and
     * the block is handed over as a node does ({@code Indexer.submitBlock}: its state root is made on the committer).
     */
    @Param({"false"})
    public boolean overlapCommits;

    /**
     * Whether the indexer keeps its key filter (the default, {@code --key-filter 64m}; an engine with the {@code
     * KEY_FILTER} capability then answers reads of keys surely absent in guest code) or none ({@code --key-filter
     * off}).
     */
    @Param({"true"})
    public boolean keyFilter;

    /**
     * Whether the indexer keeps its read cache (the default, {@code --read-cache 64m}: a read of a key a block read
     * lately skips the store) or none ({@code --read-cache off}). The same block at ascending heights reads the keys
     * its copy below wrote, so with the cache on nearly every read of a key that exists is a hit here.
     */
    @Param({"true"})
    public boolean readCache;

    private IndexerHost host;
    private Indexer indexer;
    private Path dir;
    private byte[] block;
    private long height;

    @Setup(Level.Trial)
    public void start() throws IOException {
        block = Guests.realBlock(blockHeight);
        dir = Files.createTempDirectory("jshrew-bench");
        host = IndexerHost.builder()
                .engine(engine, Map.of(), new CommittedMemoryProvider())
                .module(Path.of(wasm).getFileName().toString(), Guests.guestOrFile(wasm))
                .store(dir)
                .runOptions(RunOptions.defaults()
                        .withKeyFilter(keyFilter ? RunOptions.DEFAULT_KEY_FILTER_BYTES : 0)
                        .withReadCache(readCache ? RunOptions.DEFAULT_READ_CACHE_BYTES : 0))
                .open();
        indexer = host.newIndexer(s -> {}, java.util.OptionalLong.empty(), overlapCommits);
        try {
            indexer.awaitKeyFilter(java.time.Duration.ofMinutes(1)); // an empty store: at once
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        height = 1_000_000;
    }

    /** One block; with overlapped commits handed over as a node does ({@code submitBlock}: root on the committer). */
    @Benchmark
    public BlockResult indexBlock() {
        if (overlapCommits) {
            indexer.submitBlock(height++, block);
            return null;
        }
        return indexer.indexBlock(height++, block);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        host.close(); // awaits an overlapped commit in flight
        Guests.deleteTree(dir);
    }
}
