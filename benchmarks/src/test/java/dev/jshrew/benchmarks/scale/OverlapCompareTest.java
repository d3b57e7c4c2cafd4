package dev.jshrew.benchmarks.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The side-by-side check of overlapped commits: the heights whose hash or root the two block logs disagree on. */
class OverlapCompareTest {
    @TempDir
    Path dir;

    private static String line(long height, String hash, String root) {
        return "{\"height\":" + height + ",\"hash\":\"" + hash + "\",\"root\":\"" + root + "\",\"run_ns\":1}";
    }

    @Test
    void reportsTheHeightsWhoseHashOrRootDiffer() throws Exception {
        Path a = Files.write(
                dir.resolve("a.jsonl"),
                List.of(line(1, "h1", "r1"), line(2, "h2", "r2"), line(3, "h3", "r3"), "{\"reorg\":{}}"));
        Path b = Files.write(
                dir.resolve("b.jsonl"),
                List.of(line(1, "h1", "r1"), line(2, "h2", "rX"), line(3, "hY", "r3"), line(4, "h4", "r4")));

        assertEquals(List.of(2L, 3L), OverlapCompare.differingRoots(a, b));
        assertEquals(List.of(), OverlapCompare.differingRoots(a, a));
    }
}
