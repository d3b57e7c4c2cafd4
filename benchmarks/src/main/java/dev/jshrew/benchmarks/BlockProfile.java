package dev.jshrew.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.JavaFlightRecorderProfiler;

/**
 * Where a block's time goes, from a Flight Recorder profile (issue 15): the benchmark thread's method samples, Java
 * and native alike, split into guest code, host-call crossing, store reads, flush decoding, commit, reset and other
 * host work. Use it as JMH's JFR post-processor:
 *
 * <pre>{@code java -jar benchmarks/target/benchmarks.jar BlockBenchmark -p engine=wasmtime \
 *     -prof "jfr:configName=default;postProcessor=dev.jshrew.benchmarks.BlockProfile"}</pre>
 *
 * <p>or on any recording: {@code java -cp benchmarks/target/benchmarks.jar dev.jshrew.benchmarks.BlockProfile
 * FILE.jfr}. The {@code default} configuration samples Java and native code at the same 20 ms period, so the counts
 * add up; a sample counts for the innermost part of the stack this class knows (see {@link #classify}).
 */
public final class BlockProfile implements JavaFlightRecorderProfiler.PostProcessor {
    /** The categories, in the order they are printed. */
    static final List<String> CATEGORIES = List.of(
            "guest code", "host-call crossing", "store reads", "flush decoding", "commit", "reset", "other host work");

    /** The {@code Memory} that Chicory's compiled guest code loads from and stores to (engine-chicory). */
    private static final String CHICORY_GUEST_MEMORY = "dev.jshrew.engine.chicory.SegmentMemory.";

    @Override
    public List<File> postProcess(BenchmarkParams params, File jfrFile) {
        try {
            Map<String, Long> split = split(jfrFile.toPath(), "jmh-worker");
            String text = params.getBenchmark() + " "
                    + params.getParamsKeys().stream()
                            .map(k -> k + "=" + params.getParam(k))
                            .toList()
                    + "\n" + format(split);
            System.out.println(text);
            Path out = jfrFile.toPath().resolveSibling(jfrFile.getName().replaceFirst("\\.jfr$", "") + "-split.txt");
            Files.writeString(out, text);
            return List.of(out.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sample counts per category over the threads whose name contains {@code threadPart} (all threads when none
     * does).
     */
    static Map<String, Long> split(Path jfr, String threadPart) throws IOException {
        List<RecordedEvent> samples = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.ExecutionSample") || type.equals("jdk.NativeMethodSample")) {
                samples.add(e);
            }
        }
        boolean anyMatch = samples.stream().anyMatch(e -> threadName(e).contains(threadPart));
        Map<String, Long> counts = new LinkedHashMap<>();
        CATEGORIES.forEach(c -> counts.put(c, 0L));
        for (RecordedEvent e : samples) {
            if (anyMatch && !threadName(e).contains(threadPart)) {
                continue;
            }
            RecordedStackTrace stack = e.getStackTrace();
            if (stack == null) {
                continue;
            }
            List<String> frames =
                    stack.getFrames().stream().map(BlockProfile::frameName).toList();
            counts.merge(classify(frames), 1L, Long::sum);
        }
        return counts;
    }

    private static String threadName(RecordedEvent e) {
        RecordedThread t = e.getThread("sampledThread");
        return t == null || t.getJavaName() == null ? "" : t.getJavaName();
    }

    private static String frameName(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /**
     * The category of one stack, innermost frame first. The store, flush decoding and the reset are recognised
     * anywhere in the stack (their callees are RocksDB, JDK or engine code); otherwise the innermost frame decides:
     * an engine's interpreter, compiled guest code or native call is guest code, jshrew's ABI and the engines'
     * import glue are the host-call crossing. Chicory's guest memory belongs to its caller: a load of compiled guest
     * code is guest code, a host function's read of guest memory is the crossing.
     */
    static String classify(List<String> frames) {
        boolean commit = false;
        boolean store = false;
        for (String f : frames) {
            if (f.contains(".commitBlock") || f.startsWith("org.rocksdb.WriteBatch")) {
                commit = true;
            }
            if (f.startsWith("org.rocksdb.") || f.startsWith("dev.jshrew.storage.")) {
                store = true;
            }
        }
        if (commit) {
            return "commit";
        }
        if (store) {
            return "store reads";
        }
        for (String f : frames) {
            if (f.startsWith("dev.jshrew.host.abi.FlushDecoder")) {
                return "flush decoding";
            }
            if (f.endsWith("ModuleInstance.reset") || f.startsWith("dev.jshrew.host.InstanceSlot.ready")) {
                return "reset";
            }
            if (f.startsWith("dev.jshrew.host.Indexer.commit") || f.startsWith("dev.jshrew.host.StateRoot")) {
                return "commit";
            }
        }
        String top = frames.isEmpty() ? "" : frames.getFirst();
        if (isGuest(top)) {
            return "guest code";
        }
        for (String f : frames) {
            if (f.startsWith(CHICORY_GUEST_MEMORY)) {
                // Chicory's guest loads and stores go through jshrew's Memory: whoever called it decides
                continue;
            }
            if (f.startsWith("dev.jshrew.host.abi.")
                    || f.startsWith("dev.jshrew.engine.")
                    || f.startsWith("io.github.kawamuray.wasmtime.")) {
                return "host-call crossing";
            }
            if (isGuest(f)) {
                return "guest code";
            }
        }
        return "other host work";
    }

    private static boolean isGuest(String frame) {
        return frame.startsWith("com.dylibso.chicory.")
                || frame.startsWith("org.graalvm.wasm.")
                || frame.startsWith("com.oracle.truffle.")
                || frame.startsWith("jdk.graal.")
                || frame.startsWith("io.github.kawamuray.wasmtime.Func.nativeCall");
    }

    static String format(Map<String, Long> split) {
        long total = split.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-20s %8s %7s%n", "part", "samples", "share"));
        split.forEach((k, v) -> b.append(
                String.format(Locale.ROOT, "%-20s %8d %6.1f%%%n", k, v, total == 0 ? 0.0 : 100.0 * v / total)));
        b.append(String.format(Locale.ROOT, "%-20s %8d%n", "total", total));
        return b.toString();
    }

    /** {@code BlockProfile FILE.jfr [THREAD_NAME_PART]}: prints the split of a recording. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: BlockProfile FILE.jfr [THREAD_NAME_PART]");
            System.exit(2);
        }
        System.out.print(format(split(Path.of(args[0]), args.length > 1 ? args[1] : "jmh-worker")));
    }
}
