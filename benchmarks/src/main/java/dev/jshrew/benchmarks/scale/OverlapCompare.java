package dev.jshrew.benchmarks.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Overlapped commits measured side by side (issue 15): two processes index the same chain's first {@code N} heights
 * at the same time on fresh databases, one with {@code --commit-overlap on} and one with {@code off}, so whatever
 * else loads the machine weighs on both alike. Only blocks committed while both ran count, after a warm-up of
 * {@value #WARM} heights. Compares the medians of each block's time on the indexing thread (run + reset + commit,
 * where with overlap "commit" is the wait for the previous block's commit and the hand-over), its CPU time and its
 * store reads, and the wall time per block by the block logs' clocks; and checks that both logged the same hash and
 * state root at every height.
 *
 * <p>{@code OverlapCompare CHAIN ENGINE N OUT_JSON [JSHREW_COMMAND…]}, run from the repository root; prints one line:
 * {@code overlap: engine E, n blocks side by side, per-block on/off = R (wall by the block logs' clocks R2), commit
 * C1 → C0 ms, state roots equal} and exits 1 when a root differs.
 */
public final class OverlapCompare {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WARM = 10;

    private OverlapCompare() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: OverlapCompare CHAIN ENGINE N OUT_JSON [JSHREW_COMMAND...]");
            System.exit(2);
        }
        Path chain = Path.of(args[0]);
        String engine = args[1];
        int blocks = Integer.parseInt(args[2]);
        Path outJson = Path.of(args[3]);
        List<String> jshrew = Replay.jshrewCommand(args, 4);
        Path work = Files.createTempDirectory("jshrew-overlap");
        long first = Replay.firstHeight(chain);
        long exitAt = first + WARM + blocks;
        Map<String, Process> sides = new TreeMap<>();
        for (String mode : List.of("on", "off")) {
            List<String> index = Replay.indexArgs(
                    work.resolve("db-" + mode),
                    chain,
                    exitAt,
                    engine,
                    mode,
                    work.resolve(mode + ".jsonl"),
                    "--memory-commit",
                    "512m");
            sides.put("--commit-overlap " + mode, Replay.start(jshrew, work.resolve(mode + ".log"), index));
        }
        Replay.awaitAll(sides, work);
        Path on = work.resolve("on.jsonl");
        Path off = work.resolve("off.jsonl");
        long from = first + WARM;
        long to = exitAt - 1;
        long[] spanOn = Replay.timeSpan(on, from, to);
        long[] spanOff = Replay.timeSpan(off, from, to);
        long[] both = {Math.max(spanOn[0], spanOff[0]), Math.min(spanOn[1], spanOff[1])};
        Replay.Window wOn = Replay.window(on, from, to, both);
        Replay.Window wOff = Replay.window(off, from, to, both);
        double ratio = wOn.wallMs() / wOff.wallMs();
        // Wall time per block by the logs' clocks, each over its whole run of counted heights.
        double clockOn = (double) (spanOn[1] - spanOn[0]) / (to - from);
        double clockOff = (double) (spanOff[1] - spanOff[0]) / (to - from);
        List<Long> differing = differingRoots(on, off);
        ObjectNode json = JSON.createObjectNode();
        json.put("engine", engine);
        json.put("from", from);
        json.put("to", to);
        json.putPOJO("on", wOn);
        json.putPOJO("off", wOff);
        json.put("ratio", ratio);
        json.put("cpu_ratio", wOn.cpuMs() / wOff.cpuMs());
        json.put("clock_ms_per_block_on", clockOn);
        json.put("clock_ms_per_block_off", clockOff);
        json.put("clock_ratio", clockOn / clockOff);
        json.putPOJO("differing_roots", differing);
        json.put("loadavg", Soak.loadAverage());
        String line = String.format(
                Locale.ROOT,
                "overlap: engine %s, %d blocks side by side, per-block on/off = %.2f (wall by the block logs' clocks"
                        + " %.2f), commit %.1f → %.1f ms, %s",
                engine,
                Math.min(wOn.blocks(), wOff.blocks()),
                ratio,
                clockOn / clockOff,
                wOff.commitMs(),
                wOn.commitMs(),
                differing.isEmpty() ? "state roots equal" : "state roots DIFFER at " + differing);
        json.put("line", line);
        Files.createDirectories(outJson.toAbsolutePath().getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(outJson.toFile(), json);
        System.out.println(line);
        if (!differing.isEmpty()) {
            System.exit(1);
        }
    }

    /** Heights both logs have whose hash or state root differ (a height only one has is not compared). */
    static List<Long> differingRoots(Path a, Path b) throws IOException {
        Map<Long, String> first = roots(a);
        List<Long> differing = new ArrayList<>();
        roots(b).forEach((height, root) -> {
            String other = first.get(height);
            if (other != null && !other.equals(root)) {
                differing.add(height);
            }
        });
        return differing;
    }

    private static Map<Long, String> roots(Path blockLog) throws IOException {
        Map<Long, String> roots = new TreeMap<>();
        for (String l : Files.readAllLines(blockLog)) {
            JsonNode n = JSON.readTree(l);
            if (n.has("root")) {
                roots.put(
                        n.get("height").asLong(),
                        n.get("hash").asText() + " " + n.get("root").asText());
            }
        }
        return roots;
    }
}
