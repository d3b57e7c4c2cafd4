package dev.jshrew.benchmarks.scale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replay's windows: only the heights asked for, only blocks committed within the interval, medians per field. */
class ReplayTest {
    @TempDir
    Path temp;

    private static String line(long height, long runMs, long cpuMs, long tMs) {
        return "{\"height\":" + height + ",\"pairs\":5,\"run_ns\":" + runMs * 1_000_000 + ",\"reset_ns\":1000000"
                + ",\"commit_ns\":2000000,\"pages\":1,\"cpu_ns\":" + cpuMs * 1_000_000 + ",\"reads\":7,\"read_ns\":"
                + "3000000,\"t_ms\":" + tMs + "}";
    }

    @Test
    void aWindowCountsItsHeightsWithinTheIntervalOnly() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("{\"reorg\":{\"tip\":9,\"fork\":8},\"t_ms\":1}");
        for (long h = 10; h < 20; h++) {
            lines.add(line(h, h, 2 * h, 1000 + h)); // heights 10..19 at t 1010..1019
        }
        lines.add(line(12, 100, 100, 5000)); // a second round of height 12, outside the interval
        Path log = temp.resolve("blocks.jsonl");
        Files.write(log, lines);

        assertArrayEquals(new long[] {1013, 1016}, Replay.timeSpan(log, 13, 16));
        Replay.Window w = Replay.window(log, 11, 17, new long[] {1012, 1016});
        assertEquals(5, w.blocks(), "heights 12..16: 11 and 17 are outside the interval, the late 12 too");
        assertEquals(14 + 1 + 2, w.wallMs(), 1e-9); // median run 14 + reset 1 + commit 2
        assertEquals(14, w.runMs(), 1e-9);
        assertEquals(28, w.cpuMs(), 1e-9);
        assertEquals(7, w.reads(), 1e-9);
        assertEquals(3, w.readMs(), 1e-9);
    }
}
