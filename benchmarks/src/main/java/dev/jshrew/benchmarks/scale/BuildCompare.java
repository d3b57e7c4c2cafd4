package dev.jshrew.benchmarks.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Two builds of jshrew measured side by side (issue 15): both index the same chain's first {@code N} heights at the
 * same time on fresh databases, with the same engine, indexer and options, so whatever else loads the machine weighs
 * on both alike and the store grows the same way under both. Splits the heights after a warm-up of {@value #WARM}
 * into {@value #WINDOWS} windows and compares, per window, the medians of each block's time (run + reset + commit),
 * its store reads and its commit, and the time per read, over the same heights on both sides: those both committed
 * while both ran; then the sums over every such height; and checks that both logged the same hash and state root
 * at every height.
 *
 * <p>{@code BuildCompare CHAIN ENGINE N on|off OUT_JSON JAR_A JAR_B [INDEXER.wasm]}, run from the repository root
 * ({@code on|off} is {@code --commit-overlap}; the indexer is the chain's, {@code guests/spendables/spendables.wasm},
 * unless given). A jar may carry options of its own for its {@code index} after commas, e.g. {@code
 * jshrew.jar,--value-table=off}: one build against itself with an option changed. Prints the windows and one line:
 * {@code builds: engine E, overlap O, n blocks side by side, B/A per block = R (CPU R2), store reads A → B µs each,
 * commit A → B ms, state roots equal}; exits 1 when a root differs. {@code BuildCompare --logs A.jsonl B.jsonl FROM
 * TO [OUT_JSON]} compares two block logs already written.
 */
public final class BuildCompare {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WARM = 5;
    private static final int WINDOWS = 10;

    private BuildCompare() {}

    public static void main(String[] args) throws Exception {
        if ((args.length == 5 || args.length == 6) && args[0].equals("--logs")) {
            // Two block logs already written (e.g. a run's work directory): the comparison alone.
            ObjectNode json =
                    compare(Path.of(args[1]), Path.of(args[2]), Long.parseLong(args[3]), Long.parseLong(args[4]));
            if (args.length == 6) {
                JSON.writerWithDefaultPrettyPrinter()
                        .writeValue(Path.of(args[5]).toFile(), json);
            }
            json.get("windows").forEach(w -> System.out.println(w.get("text").asText()));
            System.out.println("builds: " + json.get("line").asText());
            System.exit(json.get("differing_roots").isEmpty() ? 0 : 1);
        }
        if (args.length != 7 && args.length != 8) {
            System.err.println("usage: BuildCompare CHAIN ENGINE N on|off OUT_JSON JAR_A JAR_B [INDEXER.wasm]");
            System.err.println("       BuildCompare --logs A.jsonl B.jsonl FROM TO [OUT_JSON]");
            System.exit(2);
        }
        Path chain = Path.of(args[0]);
        String engine = args[1];
        int blocks = Integer.parseInt(args[2]);
        String overlap = args[3];
        Path outJson = Path.of(args[4]);
        List<String[]> jars = List.of(args[5].split(","), args[6].split(","));
        String indexer = args.length > 7 ? args[7] : "guests/spendables/spendables.wasm";
        Path work = Files.createTempDirectory("jshrew-builds");
        long first = Replay.firstHeight(chain);
        long exitAt = first + WARM + blocks;
        String java = ProcessHandle.current().info().command().orElse("java");
        Map<String, Process> sides = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            String side = i == 0 ? "a" : "b";
            List<String> command = List.of(java, "-XX:-DontCompileHugeMethods", "-jar", jars.get(i)[0]);
            String[] options = Arrays.copyOfRange(jars.get(i), 1, jars.get(i).length);
            sides.put(
                    String.join(",", jars.get(i)),
                    Replay.start(
                            command,
                            work.resolve(side + ".log"),
                            Replay.indexArgs(
                                    work.resolve("db-" + side),
                                    chain,
                                    exitAt,
                                    engine,
                                    indexer,
                                    overlap,
                                    work.resolve(side + ".jsonl"),
                                    options)));
        }
        Replay.awaitAll(sides, work);
        ObjectNode json = compare(work.resolve("a.jsonl"), work.resolve("b.jsonl"), first + WARM, exitAt - 1);
        json.put("engine", engine);
        json.put("overlap", overlap);
        json.put("a", String.join(",", jars.get(0)));
        json.put("b", String.join(",", jars.get(1)));
        json.put("work", work.toString());
        json.put("loadavg", Soak.loadAverage());
        String line = String.format(
                Locale.ROOT,
                "builds: engine %s, overlap %s, %s",
                engine,
                overlap,
                json.get("line").asText());
        json.put("line", line);
        Files.createDirectories(outJson.toAbsolutePath().getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(outJson.toFile(), json);
        json.get("windows").forEach(w -> System.out.println(w.get("text").asText()));
        System.out.println(line);
        if (!json.get("differing_roots").isEmpty()) {
            System.exit(1);
        }
    }

    /**
     * The comparison of two block logs over heights {@code from…to}, per window and in all, over the same heights on
     * both sides: those both logs committed within the interval where both ran.
     */
    static ObjectNode compare(Path a, Path b, long from, long to) throws IOException {
        long[] spanA = Replay.timeSpan(a, from, to);
        long[] spanB = Replay.timeSpan(b, from, to);
        long[] both = {Math.max(spanA[0], spanB[0]), Math.min(spanA[1], spanB[1])};
        NavigableMap<Long, Block> logA = blocks(a, from, to, both);
        NavigableMap<Long, Block> logB = blocks(b, from, to, both);
        logA.keySet().retainAll(logB.keySet());
        logB.keySet().retainAll(logA.keySet());
        ObjectNode json = JSON.createObjectNode();
        json.put("from", from);
        json.put("to", to);
        json.put("blocks", logA.size());
        ArrayNode windows = json.putArray("windows");
        long size = Math.max(1, (to - from + 1 + WINDOWS - 1) / WINDOWS);
        for (long lo = from; lo <= to; lo += size) {
            long hi = Math.min(to, lo + size - 1);
            Medians wa = Medians.of(logA.subMap(lo, true, hi, true).values());
            Medians wb = Medians.of(logB.subMap(lo, true, hi, true).values());
            if (wa == null) {
                continue; // no block of this window was committed while both ran
            }
            ObjectNode w = windows.addObject();
            w.put("from", lo);
            w.put("to", hi);
            w.set("a", JSON.valueToTree(wa));
            w.set("b", JSON.valueToTree(wb));
            w.put(
                    "text",
                    String.format(
                            Locale.ROOT,
                            "%d…%d (%d blocks): block %.1f → %.1f ms, store reads %.1f → %.1f ms (%.1f → %.1f µs"
                                    + " each), commit %.1f → %.1f ms",
                            lo,
                            hi,
                            wa.blocks(),
                            wa.wallMs(),
                            wb.wallMs(),
                            wa.readMs(),
                            wb.readMs(),
                            wa.readUs(),
                            wb.readUs(),
                            wa.commitMs(),
                            wb.commitMs()));
        }
        Block sa = Block.sum(logA.values());
        Block sb = Block.sum(logB.values());
        json.set("sums_a", JSON.valueToTree(sa));
        json.set("sums_b", JSON.valueToTree(sb));
        List<Long> differing = OverlapCompare.differingRoots(a, b);
        json.set("differing_roots", JSON.valueToTree(differing));
        int n = logA.size();
        json.put(
                "line",
                String.format(
                        Locale.ROOT,
                        "%d blocks side by side, B/A per block = %.3f (CPU %.3f), store reads %.1f → %.1f µs each,"
                                + " commit %.1f → %.1f ms a block, %s",
                        n,
                        sb.wallMs() / sa.wallMs(),
                        sb.cpuMs() / sa.cpuMs(),
                        1000 * sa.readMs() / sa.reads(),
                        1000 * sb.readMs() / sb.reads(),
                        sa.commitMs() / n,
                        sb.commitMs() / n,
                        differing.isEmpty() ? "state roots equal" : "state roots DIFFER at " + differing));
        return json;
    }

    /** The blocks of {@code from…to} a block log has committed within {@code interval} (its clock), by height. */
    private static NavigableMap<Long, Block> blocks(Path blockLog, long from, long to, long[] interval)
            throws IOException {
        NavigableMap<Long, Block> blocks = new TreeMap<>();
        for (String l : Files.readAllLines(blockLog)) {
            JsonNode n = JSON.readTree(l);
            long h = n.path("height").asLong(-1);
            long t = n.path("t_ms").asLong(-1);
            if (!n.has("run_ns") || h < from || h > to || t < interval[0] || t > interval[1]) {
                continue;
            }
            double commit = n.get("commit_ns").asLong() / 1e6;
            // A height logged twice (re-indexed) counts with its last record.
            blocks.put(
                    h,
                    new Block(
                            1,
                            n.get("run_ns").asLong() / 1e6 + n.get("reset_ns").asLong() / 1e6 + commit,
                            commit,
                            n.path("cpu_ns").asLong(0) / 1e6,
                            n.path("reads").asLong(0),
                            n.path("read_ns").asLong(0) / 1e6));
        }
        return blocks;
    }

    /** One block's times (or, from {@link #sum}, the sums over several), in ms. */
    record Block(int blocks, double wallMs, double commitMs, double cpuMs, double reads, double readMs) {
        static Block sum(Collection<Block> blocks) {
            Block s = new Block(0, 0, 0, 0, 0, 0);
            for (Block b : blocks) {
                s = new Block(
                        s.blocks + 1,
                        s.wallMs + b.wallMs,
                        s.commitMs + b.commitMs,
                        s.cpuMs + b.cpuMs,
                        s.reads + b.reads,
                        s.readMs + b.readMs);
            }
            return s;
        }
    }

    /** Medians over a window's blocks; the time per read is the window's read time over its reads. */
    record Medians(int blocks, double wallMs, double readMs, double readUs, double commitMs) {
        static Medians of(Collection<Block> blocks) {
            if (blocks.isEmpty()) {
                return null;
            }
            Block sum = Block.sum(blocks);
            return new Medians(
                    blocks.size(),
                    Soak.median(blocks.stream().map(Block::wallMs).toList()),
                    Soak.median(blocks.stream().map(Block::readMs).toList()),
                    sum.reads() > 0 ? 1000 * sum.readMs() / sum.reads() : 0,
                    Soak.median(blocks.stream().map(Block::commitMs).toList()));
        }
    }
}
