package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.host.Hashes;
import dev.jshrew.node.chain.FakeBitcoind;
import dev.jshrew.node.chain.RegtestChain;
import dev.jshrew.node.rpc.RpcClient;
import dev.jshrew.tck.BlockStats;
import dev.jshrew.tck.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jshrew serve} in a child JVM following the fake bitcoind: JSON-RPC while indexing (consistent views, C-38),
 * a preview of a real block that changes nothing, bad requests that disturb nothing, a reorg while serving, the
 * Prometheus metrics, and a clean stop on SIGTERM; the database it leaves equals a node that only saw the final branch.
 */
class ServeCliTest {
    @TempDir
    Path temp;

    static String u32(long v) {
        return "0x" + CliTest.u32hex(v);
    }

    static void await(String what, long seconds, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void serveOptionsBoundBatchesSlowBodiesConnectionsAndMetricLabels() throws Exception {
        // Issue 12 §2, §3 through the CLI: the options reach the server, and bad params are -32602.
        for (String[] bad : List.of(
                new String[] {"--max-batch-size", "0"},
                new String[] {"--request-read-timeout", "0"},
                new String[] {"--max-connections-per-address", "0"},
                new String[] {"--rpc-threads", "0"})) {
            CliTest.Run r = CliTest.jshrew(
                    "serve",
                    "--engine",
                    "chicory",
                    "--indexer",
                    CliTest.indexer(),
                    "--db",
                    temp.resolve("x").toString(),
                    "--blocks",
                    CliTest.repo().resolve("sample/blocks").toString(),
                    bad[0],
                    bad[1]);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(dev.jshrew.api.ErrorCode.INPUT.exitCode());
            assertThat(r.err()).contains(bad[0]);
        }
        try (ChildJshrew serve = ChildJshrew.start(
                List.of(),
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                temp.resolve("db").toString(),
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--port",
                "0",
                "--metrics-port",
                "0",
                "--memory-commit",
                "64m",
                "--view-workers",
                "1",
                "--progress",
                "off",
                "--max-batch-size",
                "2",
                "--request-read-timeout",
                "2s",
                "--max-connections-per-address",
                "3")) {
            int port = Integer.parseInt(serve.awaitErr("serving JSON-RPC on http://127\\.0\\.0\\.1:(\\d+)", 60));
            int metricsPort = Integer.parseInt(
                    serve.awaitErr("serving Prometheus metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics", 60));
            serve.awaitErr("serving until stopped", 120);
            // Three connections from this address are the cap: of four (no other connection open yet), one is
            // closed at once and three stay open.
            List<java.net.Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    idle.add(RpcClient.socket(port));
                }
                int closed = 0;
                int stillOpen = 0;
                for (java.net.Socket s : idle) {
                    s.setSoTimeout(1_500);
                    try {
                        if (s.getInputStream().read() == -1) {
                            closed++;
                        }
                    } catch (java.net.SocketTimeoutException withinTheCap) {
                        stillOpen++;
                    }
                }
                assertThat(closed).isEqualTo(1);
                assertThat(stillOpen).isEqualTo(3);
            } finally {
                for (java.net.Socket s : idle) {
                    s.close();
                }
            }
            RpcClient rpc = new RpcClient(port);
            await("the address is under its cap again", 10, () -> {
                try {
                    return rpc.call("metashrew_height").has("result");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertThat(rpc.call("metashrew_getblockhash", "840243")
                            .path("error")
                            .path("code")
                            .asInt())
                    .isEqualTo(-32602);
            String one = "{\"id\":1,\"method\":\"metashrew_height\",\"params\":[]}";
            assertThat(rpc.post("[" + one + "," + one + "]").body()).hasSize(2);
            assertThat(rpc.post("[" + one + "," + one + "," + one + "]")
                            .body()
                            .path("error")
                            .path("message")
                            .asText())
                    .isEqualTo("Invalid Request: a batch of 3 requests; the limit is 2");
            // A body that trickles is answered and closed at the 2 s read deadline.
            try (java.net.Socket slow = RpcClient.socket(port)) {
                slow.getOutputStream()
                        .write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                slow.setSoTimeout(10_000);
                String got = new String(slow.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(got).contains("did not arrive within 2 s");
            }
            // Made-up method names share the metrics label "other".
            await("the address is under its cap again", 10, () -> {
                try {
                    return rpc.call("made_up_method_" + System.nanoTime()).has("error");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            for (int i = 0; i < 50; i++) {
                rpc.call("metashrew_made_up_" + i);
            }
            String metrics;
            try (HttpClient http = HttpClient.newHttpClient()) {
                metrics = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
            }
            assertThat(metrics).contains("jshrew_rpc_requests_total{method=\"other\",outcome=\"error\"}");
            assertThat(metrics).doesNotContain("made_up");
        }
    }

    @Test
    void servesWhileIndexingSurvivesAReorgAndStopsCleanly() throws Exception {
        var real = Fixtures.realBlocks();
        RegtestChain genesis = RegtestChain.startingWith(real.get(0L).bytes());
        RegtestChain a = genesis.extend(12, "a", RegtestChain.sharedAndUnique("a"));
        RegtestChain b = a.prefix(9).extend(6, "b", RegtestChain.sharedAndUnique("b"));
        String db = temp.resolve("db").toString();
        try (FakeBitcoind fake = new FakeBitcoind().serve(a)) {
            fake.getblockDelay(120); // slow enough that views overlap indexing
            try (ChildJshrew serve = ChildJshrew.start(
                    List.of(),
                    "serve",
                    "--engine",
                    "chicory",
                    "--indexer",
                    CliTest.indexer(),
                    "--db",
                    db,
                    "--daemon-rpc-url",
                    fake.url().toString(),
                    "--port",
                    "0",
                    "--metrics-port",
                    "0",
                    "--memory-commit",
                    "64m",
                    "--view-workers",
                    "2",
                    "--poll-interval-ms",
                    "50",
                    "--retry-initial-delay-ms",
                    "50",
                    "--progress",
                    "log",
                    "--log-level",
                    "org.eclipse.jetty.server=INFO")) {
                // Jetty's own log lines reach jshrew's stderr log (SLF4J 2 -> slf4j-jdk14 -> java.util.logging), at
                // INFO when asked for (it logs at WARN otherwise)
                serve.awaitErr("INFO +Started oejs\\.Server@", 60);
                int port = Integer.parseInt(serve.awaitErr("serving JSON-RPC on http://127\\.0\\.0\\.1:(\\d+)", 60));
                int metricsPort = Integer.parseInt(
                        serve.awaitErr("serving Prometheus metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics", 60));
                RpcClient rpc = new RpcClient(port);
                await("height 3", 60, () -> Long.parseLong(rpc.result("metashrew_height")) >= 3);

                // C-38: while blocks 4… are indexed, views at 2 and the root of 2 never change; the height only grows.
                String opTrue = "0x51";
                String view2 = rpc.result("metashrew_view", "outputsbyscript", opTrue, "2");
                String root2 = rpc.result("metashrew_stateroot", "2");
                ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
                AtomicBoolean garbageOk = new AtomicBoolean(true);
                List<Thread> clients = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int id = t;
                    clients.add(Thread.ofPlatform().start(() -> {
                        try {
                            long lastHeight = 0;
                            for (int i = 0; i < 40; i++) {
                                seen.add(rpc.result("metashrew_view", "outputsbyscript", opTrue, "2") + " "
                                        + rpc.result("metashrew_stateroot", "2"));
                                long h = Long.parseLong(rpc.result("metashrew_height"));
                                if (h < lastHeight) {
                                    seen.add("height went back from " + lastHeight + " to " + h);
                                }
                                lastHeight = h;
                                if (id == 0) {
                                    // Bad requests never disturb indexing.
                                    garbageOk.compareAndSet(
                                            true,
                                            rpc.post("{not json")
                                                                    .body()
                                                                    .path("error")
                                                                    .path("code")
                                                                    .asInt()
                                                            == -32700
                                                    && rpc.call("metashrew_view", "outputsbyscript", "zz")
                                                            .has("error")
                                                    && rpc.call("metashrew_view", "nosuch", "")
                                                            .has("error")
                                                    && rpc.post("[1,2]").body().isArray());
                                }
                            }
                        } catch (Exception e) {
                            seen.add("failed: " + e);
                        }
                    }));
                }
                for (Thread c : clients) {
                    c.join();
                }
                assertThat(seen).hasSize(120).containsOnly(view2 + " " + root2);
                assertThat(garbageOk).isTrue();
                await("height 12", 60, () -> rpc.result("metashrew_height").equals("12"));
                fake.getblockDelay(0);

                // C-57 on the real genesis; views read the guest's state.
                assertThat(rpc.result("metashrew_getblockhash", 0))
                        .isEqualTo("0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
                assertThat(rpc.result("metashrew_view", "blockhash", u32(5))).isEqualTo("0x" + Hashes.hex(a.hash(5)));

                // A preview of a real block (83636) on top of the tip: its stats at 13, and nothing stored changes.
                String rootBefore = rpc.result("metashrew_stateroot", "12");
                byte[] block = real.get(83636L).bytes();
                String stats = rpc.result("metashrew_preview", HexFormat.of().formatHex(block), "stats", u32(13), "12");
                assertThat(stats)
                        .isEqualTo("0x"
                                + HexFormat.of().formatHex(BlockStats.of(block).encoded()));
                assertThat(rpc.result("metashrew_view", "stats", u32(13), "13")).isEqualTo("0x");
                assertThat(rpc.result("metashrew_height")).isEqualTo("12");
                assertThat(rpc.call("metashrew_getblockhash", 13).has("error")).isTrue();
                assertThat(rpc.result("metashrew_stateroot", "12")).isEqualTo(rootBefore);

                // A reorg while serving: bitcoind switches to b (fork at 9, longer).
                fake.serve(b);
                await(
                        "b's tip",
                        60,
                        () -> rpc.call("metashrew_getblockhash", 15)
                                .path("result")
                                .asText()
                                .equals("0x" + Hashes.hex(b.hash(15))));
                assertThat(rpc.result("metashrew_getblockhash", 10)).isEqualTo("0x" + Hashes.hex(b.hash(10)));
                assertThat(rpc.result(
                                "metashrew_view",
                                "outputsbyscript",
                                "0x" + HexFormat.of().formatHex(RegtestChain.p2pkh("a/11")),
                                "15"))
                        .isEqualTo("0x00000000");
                assertThat(rpc.result(
                                "metashrew_view",
                                "outputsbyscript",
                                "0x" + HexFormat.of().formatHex(RegtestChain.p2pkh("b/11")),
                                "15"))
                        .startsWith("0x01000000");

                // Metrics.
                String metrics = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(metrics)
                        .containsPattern("(?m)^jshrew_tip_height 15(\\.0)?$")
                        .containsPattern("(?m)^jshrew_committed_memory_bytes "
                                + "2\\.01326592E8$|(?m)^jshrew_committed_memory_bytes 201326592(\\.0)?$")
                        .containsPattern("(?m)^jshrew_block_run_seconds_count \\d+")
                        .containsPattern("(?m)^jshrew_block_reset_seconds_count \\d+")
                        .containsPattern("(?m)^jshrew_reorgs_total 1(\\.0)?$")
                        .contains("jshrew_rpc_requests_total{method=\"metashrew_view\",outcome=\"ok\"}");

                // SIGTERM: the node finishes its block, closes the store and exits.
                int status = serve.terminate();
                assertThat(status).isEqualTo(143);
                assertThat(serve.err())
                        .contains("stopping: finishing the current block")
                        .as("no stack trace on SIGTERM")
                        .doesNotContainPattern("(?m)^\\s+at [\\w.$/]+\\(");
            }
        }
        String clean = temp.resolve("clean").toString();
        try (FakeBitcoind fake = new FakeBitcoind().serve(b)) {
            assertThat(CliTest.jshrew(NodeCliTest.index(
                                    clean, "--daemon-rpc-url", fake.url().toString(), "--exit-at", "16"))
                            .code())
                    .isZero();
        }
        CliTest.Run diff = CliTest.jshrew("diff", "--db1", db, "--db2", clean);
        assertThat(diff.out()).isEqualTo("no difference in 16 block(s)\n");
    }

    @Test
    void serveOverBlockFilesExitsAtExitAt() throws Exception {
        String db = temp.resolve("files").toString();
        try (ChildJshrew serve = ChildJshrew.start(
                List.of(),
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                db,
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--exit-at",
                "840243",
                "--port",
                "0",
                "--memory-commit",
                "off")) {
            assertThat(serve.waitFor(120)).as(serve.err()).isZero();
            assertThat(serve.err()).contains("serving JSON-RPC on").contains("indexed 83636 ");
            // every log line starts with an ISO-8601 UTC timestamp with the date; Jetty prints no banner by default
            assertThat(serve.err().lines().filter(l -> l.contains(" INFO ")))
                    .isNotEmpty()
                    .allMatch(l -> l.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z INFO .*"));
            assertThat(serve.err()).doesNotContain("oejs.Server").doesNotContain("jetty-12");
        }
    }
}
