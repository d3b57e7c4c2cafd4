package dev.jshrew.benchmarks;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.lang.foreign.MemorySegment;
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
 * What does it cost, between two blocks, to bring an instance back to pristine after the block used
 * {@code highWaterMiB} of memory? Three ways, each timed alone, the dirtying done in an untimed per-iteration setup
 * (single-shot iterations, so the setup never runs inside a timed call: JMH samples _26 and _38):
 * <ul>
 *   <li>{@code reset}: the engine's in-place reset of its committed instance ({@code --reset fast});</li>
 *   <li>{@code fresh}: close the instance and instantiate afresh, uncommitted ({@code --reset fresh}); the new
 *       instance then pays page faults for every page the next block touches, which this does not include;</li>
 *   <li>{@code memsetFloor}: {@code MemorySegment.fill} of the same bytes on committed memory, the physical floor.</li>
 * </ul>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar ResetBenchmark -p engine=chicory}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 30)
@Fork(
        value = 2,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class ResetBenchmark {
    /** One committed instance of {@code guests/wat/dirty.wasm} per trial. */
    @State(Scope.Thread)
    public static class Instance {
        @Param({"chicory"})
        public String engine;

        @Param({"1", "16", "128", "1024"})
        public int highWaterMiB;

        WasmEngine wasm;
        CompiledModule module;
        ModuleInstance instance;

        @Setup(Level.Trial)
        public void start() {
            wasm = Guests.engine(engine);
            module = wasm.compile("dirty.wasm", Guests.guest("wat/dirty.wasm"));
            instance = module.instantiate(List.of(), new InstanceOptions(65536, 4L << 30));
        }

        @Setup(Level.Iteration)
        public void dirty() {
            instance.call("dirty", highWaterMiB);
        }

        @TearDown(Level.Trial)
        public void stop() {
            instance.close();
            wasm.close();
        }
    }

    /** A committed segment of the same size, for the floor. */
    @State(Scope.Thread)
    public static class Floor {
        @Param({"1", "16", "128", "1024"})
        public int highWaterMiB;

        LinearMemory memory;
        MemorySegment dirty;

        @Setup(Level.Trial)
        public void commit() {
            long bytes = (long) highWaterMiB << 20;
            memory = new CommittedMemoryProvider().reserve(bytes, bytes);
            dirty = memory.segment().asSlice(0, bytes);
        }

        @Setup(Level.Iteration)
        public void touch() {
            dirty.fill((byte) 0xAB);
        }

        @TearDown(Level.Trial)
        public void release() {
            memory.close();
        }
    }

    @Benchmark
    public ModuleInstance reset(Instance s) {
        s.instance.reset();
        return s.instance;
    }

    @Benchmark
    public ModuleInstance fresh(Instance s) {
        s.instance.close();
        s.instance = s.module.instantiate(List.of(), InstanceOptions.uncommitted(65536));
        return s.instance;
    }

    @Benchmark
    public MemorySegment memsetFloor(Floor f) {
        f.dirty.fill((byte) 0);
        return f.dirty;
    }
}
