package dev.jshrew.benchmarks;

import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.host.ViewRunner;
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
 * What one small view costs the engine, without HTTP (issue 15's views at scale): the spendables indexer's {@code
 * blockhash} view through a {@link ViewRunner}, on a pooled instance reset in place ({@code reset=FAST}, what {@code
 * serve}'s view pool does) or on a fresh instance per view ({@code reset=FRESH}, the original's model). Setup indexes
 * real blocks 840243 and 849236 at heights 1 and 2; each view reads one of them.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ViewBenchmark -p engine=wasmtime,chicory -p
 * reset=FAST,FRESH} from the repository root.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-XX:-DontCompileHugeMethods"})
public class ViewBenchmark {
    @Param({"chicory"})
    public String engine;

    @Param({"FAST"})
    public ResetMode reset;

    private IndexerHost host;
    private ViewRunner views;
    private Path dir;
    private long calls;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = Files.createTempDirectory("jshrew-view-bench");
        host = IndexerHost.builder()
                .engine(engine, Map.of(), new CommittedMemoryProvider())
                .module("spendables.wasm", Guests.guest("spendables/spendables.wasm"))
                .store(dir)
                // 64 MiB committed per instance, the indexer's and the view runner's: RSS stays small.
                .runOptions(new RunOptions(65536, 64L << 20, reset))
                .open();
        var indexer = host.newIndexer(s -> {});
        indexer.indexBlock(1, Guests.realBlock(840243));
        indexer.indexBlock(2, Guests.realBlock(849236));
        views = host.newViewRunner(s -> {});
    }

    @Benchmark
    public byte[] blockhash() {
        long height = 1 + (calls++ & 1);
        return views.view("blockhash", new byte[] {(byte) height, 0, 0, 0}, height);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        host.close();
        Guests.deleteTree(dir);
    }
}
