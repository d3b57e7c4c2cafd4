package dev.jshrew.benchmarks.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BuildCompare#compare}: windows, sums over the blocks committed while both ran, and the roots. */
class BuildCompareTest {
    @TempDir
    Path dir;

    /** One block log line: height, root, and the times in ms (t_ms is the commit's clock). */
    private static String line(long height, String root, long tMs, double runMs, double commitMs, double readMs) {
        return String.format(
                java.util.Locale.ROOT,
                "{\"height\":%d,\"hash\":\"h%d\",\"root\":\"%s\",\"pairs\":1,\"run_ns\":%d,\"reset_ns\":0,"
                        + "\"commit_ns\":%d,\"pages\":1,\"cpu_ns\":%d,\"reads\":100,\"read_ns\":%d,\"t_ms\":%d}",
                height,
                height,
                root,
                (long) (runMs * 1e6),
                (long) (commitMs * 1e6),
                (long) ((runMs + commitMs) * 1e6),
                (long) (readMs * 1e6),
                tMs);
    }

    private Path log(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, lines);
        return p;
    }

    @Test
    void comparesTheSameHeightsOnBothSidesWhileBothRan() throws IOException {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int h = 0; h < 20; h++) {
            // A: 100 ms blocks, 40 ms of them reads; B: 80 ms, 20 ms reads, and a commit 5 ms dearer.
            a.add(line(h, "r" + h, 1_000 + 100L * h, 90, 10, 40));
            // B's clock runs five times as fast: it ends at 1,380 while A is at height 3. Its later blocks, and A's,
            // ran with one process alone and count for nothing; A's heights 0…3 and B's count, on both sides.
            b.add(line(h, "r" + h, 1_000 + 20L * h, 65, 15, 20));
        }
        JsonNode json = BuildCompare.compare(log("a.jsonl", a), log("b.jsonl", b), 0, 19);

        assertEquals(4, json.get("blocks").asInt());
        assertEquals(4, json.get("sums_a").get("blocks").asInt());
        assertEquals(4, json.get("sums_b").get("blocks").asInt());
        JsonNode first = json.get("windows").get(0);
        assertEquals(100.0, first.get("a").get("wallMs").asDouble(), 1e-6);
        assertEquals(80.0, first.get("b").get("wallMs").asDouble(), 1e-6);
        assertTrue(
                first.get("text").asText().contains("(400.0 → 200.0 µs each)"),
                first.get("text").asText());
        assertEquals(2, json.get("windows").size(), "windows 0…1 and 2…3 only: none later ran beside the other");
        assertTrue(
                json.get("line").asText().startsWith("4 blocks side by side, B/A per block = 0.800"),
                json.get("line").asText());
        assertTrue(json.get("line").asText().contains("commit 10.0 → 15.0 ms a block, state roots equal"));
    }

    @Test
    void reportsTheHeightsWhoseRootsDiffer() throws IOException {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int h = 0; h < 4; h++) {
            a.add(line(h, "r" + h, 1_000 + h, 1, 1, 0));
            b.add(line(h, h == 2 ? "other" : "r" + h, 1_000 + h, 1, 1, 0));
        }
        JsonNode json = BuildCompare.compare(log("a.jsonl", a), log("b.jsonl", b), 0, 3);
        assertEquals(List.of(2L), List.of(json.get("differing_roots").get(0).asLong()));
        assertEquals(1, json.get("differing_roots").size());
        assertTrue(
                json.get("line").asText().endsWith("state roots DIFFER at [2]"),
                json.get("line").asText());
    }
}
