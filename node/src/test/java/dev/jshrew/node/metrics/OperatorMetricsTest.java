package dev.jshrew.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jshrew.node.chain.FixedChainSource;
import dev.jshrew.node.rpc.JsonRpc;
import dev.jshrew.node.rpc.RpcServer;
import dev.jshrew.node.sync.Sync;
import dev.jshrew.node.sync.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What operators scrape and probe (issue 11, part 6): a node that indexes blocks and answers JSON-RPC, its metrics
 * endpoint served on loopback: chain lag, RPC latency per method with the bounded label, the view pool, JVM and
 * process metrics, {@code /healthz} and {@code /readyz}; and every metric the Grafana dashboard
 * ({@code deploy/grafana/jshrew.json}) uses exists in that scrape.
 */
class OperatorMetricsTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern METRIC = Pattern.compile("\\b((?:jshrew|jvm|process)_[a-z0-9_]+)");

    @TempDir
    Path temp;

    @Test
    void aRunningNodeExportsWhatTheDashboardUsesAndAnswersProbes() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        final TestNode node = new TestNode("echo", temp.resolve("db"));
        boolean nodeOpen = true;
        try {
            NavigableMap<Long, byte[]> blocks = new TreeMap<>();
            for (long h = 0; h <= 5; h++) {
                byte[] block = new byte[81];
                block[80] = (byte) h;
                blocks.put(h, block);
            }
            NodeMetrics metrics = new NodeMetrics(() -> 0, -1);
            open.add(metrics);
            Sync sync = new Sync(
                    new FixedChainSource<>(blocks, (h, b) -> b, "test blocks"),
                    node.indexer,
                    node.state,
                    TestNode.options(0, 3L),
                    metrics);
            metrics.runningBlock(sync::runningSeconds)
                    .chain(sync::chainTip, 1)
                    .health(() -> {
                        node.store.tip();
                        return true;
                    })
                    .viewPool(node.views)
                    .serve("127.0.0.1", 0);
            int port = metrics.port();
            assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
            HttpResponse<String> notReady = get(port, "/readyz");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).startsWith("not ready: indexed tip -1, chain tip 5");

            sync.run(); // heights 0, 1, 2 (exit-at 3); the source's tip is 5
            String afterSync = get(port, "/metrics").body();
            assertThat(afterSync)
                    .contains("jshrew_tip_height 2.0")
                    .contains("jshrew_chain_tip_height 5.0")
                    .contains("jshrew_chain_lag_blocks 3.0")
                    .contains("jshrew_view_workers 2.0")
                    .contains("jshrew_view_workers_busy 0.0")
                    .contains("jshrew_view_pool_waiters 0.0")
                    .contains("jshrew_view_pool_saturation 0.0")
                    .contains("jvm_memory_used_bytes{area=\"heap\"}")
                    .contains("process_resident_memory_bytes");
            assertThat(get(port, "/readyz").statusCode())
                    .as("3 behind, ready within 1")
                    .isEqualTo(503);
            metrics.chain(sync::chainTip, 3);
            HttpResponse<String> ready = get(port, "/readyz");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("ready: indexed tip 2, chain tip 5, 3 behind (ready within 3)\n");

            // JSON-RPC through the real server: latency per known method, every unknown method under "other"
            JsonRpc rpc = new JsonRpc(
                    node.state, node.views, (JsonRpc.Observer) metrics::rpcCall, new JsonRpc.Limits(1 << 20, 10));
            RpcServer server = new RpcServer("127.0.0.1", 0, rpc, 1 << 20, 4);
            open.add(server);
            for (String method : List.of("metashrew_height", "metashrew_view", "made_up_1", "made_up_2")) {
                String params = method.equals("metashrew_view") ? "[\"nothing\",\"00\",\"latest\"]" : "[]";
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\""
                                        + method + "\",\"params\":" + params + "}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            String scrape = get(port, "/metrics").body();
            assertThat(scrape)
                    .contains("jshrew_rpc_request_seconds_count{method=\"metashrew_height\"} 1")
                    .contains("jshrew_rpc_request_seconds_count{method=\"metashrew_view\"} 1")
                    .contains("jshrew_rpc_request_seconds_count{method=\"other\"} 2")
                    .doesNotContain("made_up");

            Set<String> used = dashboardMetrics(Path.of("..", "deploy", "grafana", "jshrew.json"));
            assertThat(used).contains("jshrew_chain_lag_blocks", "jshrew_rpc_request_seconds_bucket");
            Set<String> missing = new TreeSet<>();
            for (String name : used) {
                if (!Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find()) {
                    missing.add(name);
                }
            }
            assertThat(missing)
                    .as("dashboard metrics missing from a real scrape")
                    .isEmpty();

            node.close(); // the database closes: the process is up but no longer healthy
            nodeOpen = false;
            HttpResponse<String> unhealthy = get(port, "/healthz");
            assertThat(unhealthy.statusCode()).isEqualTo(503);
            assertThat(get(port, "/readyz").statusCode()).isEqualTo(503);
        } finally {
            for (AutoCloseable c : open.reversed()) {
                c.close();
            }
            if (nodeOpen) {
                node.close();
            }
        }
    }

    /** Every jshrew_/jvm_/process_ name in the dashboard's query expressions. */
    static Set<String> dashboardMetrics(Path dashboard) throws Exception {
        JsonNode root = new ObjectMapper().readTree(Files.readString(dashboard));
        Set<String> names = new TreeSet<>();
        List<JsonNode> exprs = root.findValues("expr");
        assertThat(exprs).as("queries in " + dashboard).isNotEmpty();
        for (JsonNode expr : exprs) {
            Matcher m = METRIC.matcher(expr.asText());
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void theBlocksReadsAndTheReadCachesHitsAreCounted() throws Exception {
        try (NodeMetrics metrics = new NodeMetrics(() -> 0, -1)) {
            metrics.serve("127.0.0.1", 0);
            for (long h = 0; h < 3; h++) {
                metrics.indexed(
                        new dev.jshrew.host.BlockResult(h, new byte[32], new byte[32], 1, 0, 0, 0, 1, 0, 40, 0, 30), 0);
            }
            String scrape = get(metrics.port(), "/metrics").body();
            assertThat(scrape).containsPattern("(?m)^jshrew_block_reads_total 120(\\.0)?$");
            assertThat(scrape).containsPattern("(?m)^jshrew_read_cache_hits_total 90(\\.0)?$");
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
