package dev.jshrew.node.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jshrew.host.ResetMode;
import dev.jshrew.node.chain.FixedChainSource;
import dev.jshrew.node.sync.Sync;
import dev.jshrew.node.sync.SyncListener;
import dev.jshrew.node.sync.TestNode;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import dev.jshrew.tck.Script;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --view-memory} through the JSON-RPC: a view past its budget is a view error naming the option, the
 * pool's workers keep serving, and indexing keeps the full guest limit (issue 11, part 2).
 */
class ViewMemoryRpcTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void aViewPastItsBudgetFailsClearlyAndHarmsNothing() throws Exception {
        var options = Harness.testOptions(ResetMode.FAST).withViewMemory(1 << 20); // 16 pages
        try (TestNode node = new TestNode(Fixtures.guest(TestNode.PROBE), "probe.wasm", temp.resolve("db"), options)) {
            index(node, 0, Script.of().grow(100).size().obsFlush("o"));
            JsonRpc rpc = new JsonRpc(node.state, node.views, (m, ok) -> {});
            String fits = view(rpc, Script.of().grow(10).size());
            assertThat(fits).isEqualTo("\"0x02000000" + "0c000000\"");
            for (int i = 0; i < 5; i++) { // more than the pool's two workers
                JsonNode error = JSON.readTree(
                                call(rpc, Script.of().grow(15 + i * 1000L).size()))
                        .get("error");
                assertThat(error.get("code").asInt()).isEqualTo(-32000);
                assertThat(error.get("message").asText())
                        .startsWith("View function error: View function failed: Failed to execute view function "
                                + "'probe': ")
                        .contains("view needs more than --view-memory 1m");
            }
            assertThat(view(rpc, Script.of().grow(10).size())).isEqualTo(fits);
            index(node, 1, Script.of().grow(300).size().obsFlush("o"));
            assertThat(node.store.get("o".getBytes(StandardCharsets.US_ASCII), 1))
                    .isEqualTo(HexFormat.of().parseHex("02000000" + "2e010000"));
        }
    }

    private static void index(TestNode node, long height, Script script) throws InterruptedException {
        NavigableMap<Long, byte[]> blocks = new TreeMap<>();
        blocks.put(height, script.block((int) height));
        new Sync(
                        new FixedChainSource<>(blocks, (h, b) -> b, "test blocks"),
                        node.indexer,
                        node.state,
                        TestNode.options(height, height + 1),
                        new SyncListener() {})
                .run();
    }

    private static String call(JsonRpc rpc, Script script) {
        String body = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"metashrew_view\",\"params\":[\"probe\",\""
                + HexFormat.of().formatHex(script.ops()) + "\",\"latest\"]}";
        return new String(rpc.handle(body.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    private static String view(JsonRpc rpc, Script script) throws Exception {
        JsonNode response = JSON.readTree(call(rpc, script));
        assertThat(response.has("error")).as(response.toString()).isFalse();
        return response.get("result").toString();
    }
}
