package dev.jshrew.benchmarks;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.WasmEngine;
import java.util.List;
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
 * What does an engine pay at startup to instantiate a guest with its full memory committed (4 GiB; Chicory: its
 * 2047 MiB cap)? Single-shot per fork, like {@link CommitBenchmark}; the teardown checks the engine's report and RSS.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar EngineCommitBenchmark -p engine=chicory}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(
        value = 5,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class EngineCommitBenchmark {
    @Param({"chicory"})
    public String engine;

    private WasmEngine wasm;
    private CompiledModule module;
    private ModuleInstance instance;
    private long rssBefore;

    @Setup(Level.Trial)
    public void compile() {
        wasm = Guests.engine(engine);
        module = wasm.compile("dirty.wasm", Guests.guest("wat/dirty.wasm"));
    }

    @Benchmark
    public ModuleInstance instantiateCommitted() {
        rssBefore = Guests.rssBytes();
        instance = module.instantiate(List.of(), new InstanceOptions(65536, 4L << 30));
        return instance;
    }

    @TearDown(Level.Iteration)
    public void verifyAndRelease() {
        long committed = instance.memoryStats().committedBytes();
        long rise = Guests.rssBytes() - rssBefore;
        instance.close();
        if (committed < (2047L << 20) || rise < committed * 9 / 10) {
            throw new IllegalStateException(
                    "engine " + engine + " committed " + (committed >> 20) + " MiB, RSS rose " + (rise >> 20) + " MiB");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        wasm.close();
    }
}
