package dev.jshrew.benchmarks.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jshrew.tck.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak in CI: 150 synthesized blocks at 840,000 followed by {@code jshrew serve} on wasmtime (64 MiB commits)
 * over {@code jshrew devnet serve}, SIGKILLed at +50 and +100, through a scripted reorg of depth 3 at +75, under a
 * small view load; every height's hash and state root and every key must equal a fresh node's on the final chain.
 */
class MiniSoakTest {
    @TempDir
    Path temp;

    @Test
    void killsAndAReorgUnderViewLoadEndAsAFreshNodeOnTheFinalChain() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> jshrew = List.of(
                java,
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.jshrew.cli.Main");
        Soak.Config config = Soak.profile(
                "mini",
                jshrew,
                Fixtures.sharedDir().resolve("data/blocks"),
                Path.of("..", "guests", "spendables", "spendables.wasm"),
                temp.resolve("work"));
        Files.createDirectories(config.work());
        Soak soak = new Soak(config);
        Path chain = soak.synthesize();
        Soak.Result r = soak.run("wasmtime", chain);
        Soak.write(r, temp.resolve("out"), "mini");

        assertEquals(150, r.blocks(), r.line());
        assertEquals(2, r.kills(), "kills at +50 and +100");
        // --block-log: a line per committed block; a SIGKILL just after a commit may lose that one line.
        assertTrue(
                r.json().get("block_log_heights").asInt() >= 148,
                r.json().get("block_log_heights").toString());
        assertTrue(
                r.reorgsSeen() >= 1,
                "the scripted reorg was handled: " + r.json().get("reorgs_seen"));
        // the block log's CPU time and store reads reach the summary (the flat-cost check on a shared machine)
        assertTrue(
                r.json().path("per_block_cpu_ms").path("mean").asDouble() > 0,
                r.json().toString());
        assertTrue(r.json().path("store_reads").path("last10_median_count").asDouble() > 0, "store reads logged");
        assertEquals(0, r.divergentHeights(), "heights whose hash or state root differ from the reference");
        assertTrue(r.diffEqual(), "jshrew diff --db1 --db2 found a differing key");
        assertTrue(r.json().get("views").get("ok").asInt() > 0, "views answered under load");
        for (String chart : List.of("block-time", "rss", "view-latency")) {
            assertTrue(
                    Files.readString(temp.resolve("out/mini-wasmtime-" + chart + ".svg"))
                            .contains("<circle"),
                    chart);
        }

        // The views driver (run.sh views) on the same chain, pooled instances: every view answered, latencies
        // measured while the node went on indexing.
        JsonNode views = new Soak(config).views("wasmtime", chain, "fast"); // its own deadline
        int expected = config.viewClients() * config.viewRequestsPerClient();
        assertEquals(expected, views.get("views").asInt() + views.get("failed").asInt(), views.toString());
        assertEquals(0, views.get("failed").asInt(), views.toString());
        assertTrue(views.get("p99_ms").asDouble() >= views.get("p50_ms").asDouble(), views.toString());
        assertTrue(views.get("throughput_per_s").asDouble() > 0, views.toString());
        // the CPU the node (views and indexing) and the clients used over the measured load
        assertTrue(views.get("node_cpu_s").asDouble() > 0, views.toString());
        assertTrue(views.get("client_cpu_s").asDouble() > 0, views.toString());
        assertTrue(views.get("node_cpu_ms_per_view").asDouble() > 0, views.toString());
    }
}
