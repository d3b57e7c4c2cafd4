package dev.jshrew.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The comparison table: one row per guest, each engine's score with its ratio to V8, a dash where nothing ran. */
class V8CompareTest {
    @TempDir
    Path dir;

    private static String jmh(String engine, String wasm, double score, String error) {
        return "[{\"benchmark\":\"dev.jshrew.benchmarks.BlockBenchmark.indexBlock\",\"params\":{\"engine\":\"" + engine
                + "\",\"wasm\":\"" + wasm + "\",\"blockHeight\":\"840243\"},\"primaryMetric\":{\"score\":" + score
                + ",\"scoreError\":" + error + ",\"scoreUnit\":\"ms/op\"}}]";
    }

    @Test
    void overlappedCommitsGetAColumnNextToTheirEngine() throws Exception {
        Files.writeString(dir.resolve("v8-spendables.json"), "{\"v8 (node v20, in-memory store)\":200.0}");
        String both = jmh("wasmtime", "spendables/spendables.wasm", 250.0, "5").replaceAll("]$", "")
                + ","
                + jmh("wasmtime", "spendables/spendables.wasm", 210.0, "5")
                        .replace("\"blockHeight\"", "\"overlapCommits\":\"true\",\"blockHeight\"")
                        .substring(1);
        Files.writeString(dir.resolve("jmh-spendables-wasmtime.json"), both);

        String table = V8Compare.table(dir, "test machine");

        assertTrue(
                table.contains("| guest | V8 ms | wasmtime ms (× V8) | wasmtime overlapped ms (× V8) | graalwasm ms"),
                table);
        assertTrue(
                table.contains("| spendables | 200.0 | 250.0 ± 5.00 (1.25×) | 210.0 ± 5.00 (1.05×) | – | – |"), table);
    }

    @Test
    void eachGuestGetsARowWithRatiosToV8() throws Exception {
        Files.writeString(dir.resolve("v8-spendables.json"), "{\"v8 (node v20, in-memory store)\":200.0}");
        Files.writeString(
                dir.resolve("jmh-spendables-wasmtime.json"),
                jmh("wasmtime", "spendables/spendables.wasm", 180.0, "4.5"));
        Files.writeString(
                dir.resolve("jmh-spendables-chicory.json"),
                jmh("chicory", "spendables/spendables.wasm", 500, "\"NaN\""));
        Files.writeString(dir.resolve("jmh-ord-wasmtime.json"), jmh("wasmtime", "/tmp/x/ord.wasm", 90, "1"));

        String table = V8Compare.table(dir, "test machine");

        assertTrue(table.contains("| spendables | 200.0 | 180.0 ± 4.50 (0.90×) | – | 500.0 (2.50×) |"), table);
        assertTrue(table.contains("| ord | – | 90.0 ± 1.00 | – | – |"), table);

        Path png = dir.resolve("chart.png");
        V8Compare.chart(V8Compare.load(dir), png, "test machine");
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertTrue(image != null && image.getWidth() == 900 && image.getHeight() == 480, "a 900×480 PNG");
        assertTrue(table.startsWith("# Per-block cost against V8\n\ntest machine."), table);
    }
}
