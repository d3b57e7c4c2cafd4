package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The 4 GiB edge, which Chicory cannot reach (it addresses at most 32767 pages): the rewritten {@code v8-check.wat}
 * runs on Node.js (V8) with its memory grown physically to 65536 pages. Checks against the virtual size stay exact at
 * 4 GiB (i64 arithmetic), the reset takes its two-fill branch, and without load/store checks V8 does not trap between
 * the virtual and the physical size (the engine's job). Skipped when {@code node} is not installed. Tagged
 * {@code commit4g}: the reset zeroes, and so commits, 2 GiB for a few seconds.
 */
@Tag("commit4g")
@Isolated
class V8FourGibTest {
    @Test
    void checksAtTheFourGibEdgeOnV8() throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of("target/v8-check"));
        Path checked = dir.resolve("checked.wasm");
        Path unchecked = dir.resolve("unchecked.wasm");
        Path script = dir.resolve("v8-check.mjs");
        byte[] wasm = FeatureModuleTest.resource("v8-check.wasm");
        Files.write(
                checked,
                ResettableModule.rewrite("v8-check.wasm", wasm, new ResettableModule.Options(65536, true))
                        .bytes());
        Files.write(
                unchecked,
                ResettableModule.rewrite("v8-check.wasm", wasm, new ResettableModule.Options(65536, false))
                        .bytes());
        Files.write(script, FeatureModuleTest.resource("v8-check.mjs"));
        Process p;
        try {
            p = new ProcessBuilder("node", script.toString(), checked.toString(), unchecked.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            Assumptions.assumeTrue(
                    false, "V8FourGibTest skipped, reason: node is not installed (" + e.getMessage() + ")");
            return;
        }
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        Assumptions.assumeFalse(
                output.contains("Out of memory") || output.contains("RangeError"),
                "V8FourGibTest skipped, reason: V8 could not reserve 4 GiB here: " + output);
        System.out.print(output);
        Map<String, String> got = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                got.put(line.substring(0, colon), line.substring(colon + 2));
            }
        }
        String oob = "trap memory access out of bounds";
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("grow_physical", "1");
        expected.put("physical pages", "65536");
        expected.put("size", "1");
        expected.put("store 0x10000", oob);
        expected.put("store4 0xFFFC", "ok");
        expected.put("store4 0xFFFD", oob);
        expected.put("load 0xFFFFFFFF", oob);
        expected.put("fill 0xFFFF 2", oob);
        expected.put("grow 65536", "-1");
        expected.put("grow 65535", "1");
        expected.put("hooks", "1->65536");
        expected.put("store 0xFFFFFFFF", "ok");
        expected.put("load 0xFFFFFFFF after", "90");
        expected.put("store4 0xFFFFFFFD", oob);
        expected.put("fill 0xFFFFFFFF 1", "ok");
        expected.put("fill 0xFFFFFFFF 2", oob);
        expected.put("high water", "65536");
        // zeroed up to 32769 pages = 0x80010000; the byte at 0x80010000 is beyond the high-water mark and stays
        expected.put("after reset", "size 1 hw 1 bytes 0 0 0 9 data hi");
        expected.put("store 0x10000 after reset", oob);
        expected.put("unchecked store 0x10000", "ok");
        assertEquals(expected, got, output);
        assertEquals(0, p.exitValue(), output);
    }
}
