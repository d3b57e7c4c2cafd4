package dev.jshrew.benchmarks;

import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.memory.CommitStrategy;
import dev.jshrew.memory.CommittedMemoryProvider;
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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long does committing a guest's memory take, per strategy of {@code memory-commit}? Committing is a one-off,
 * not a steady state: single-shot, one measurement per fork, several forks to see the spread (JMH sample _26).
 * The teardown checks that the commit was real (RSS rose by the committed size) and unmaps it, so a fork never
 * holds more than one commit.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CommitBenchmark -p sizeMiB=4096}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(
        value = 5,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class CommitBenchmark {
    @Param({"hugepage_populate_write", "populate_write", "map_populate", "touch"})
    public String strategy;

    @Param({"4096"})
    public long sizeMiB;

    private LinearMemory memory;
    private long rssBefore;

    @Benchmark
    public LinearMemory commit() {
        rssBefore = Guests.rssBytes();
        long bytes = sizeMiB << 20;
        memory = new CommittedMemoryProvider(CommitStrategy.parse(strategy)).reserve(bytes, bytes);
        return memory;
    }

    @TearDown(Level.Iteration)
    public void verifyAndRelease() {
        long bytes = sizeMiB << 20;
        long rise = Guests.rssBytes() - rssBefore;
        try {
            if (memory.commitReport().committedBytes() < bytes || rise < bytes * 9 / 10) {
                throw new IllegalStateException("commit was not physical: "
                        + memory.commitReport().describe() + ", RSS rise " + (rise >> 20) + " MiB");
            }
        } finally {
            memory.close();
        }
    }
}
