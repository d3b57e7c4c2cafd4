package dev.jshrew.node.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.abi.FlushDecoder;
import dev.jshrew.node.chain.FixedChainSource;
import dev.jshrew.node.sync.Sync;
import dev.jshrew.node.sync.SyncListener;
import dev.jshrew.node.sync.TestNode;
import dev.jshrew.tck.Script;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * metashrew's JSON-RPC over HTTP (C-40…C-44 through {@code metashrew_stateroot}, C-52…C-61), with the probe guest
 * (its blocks and views are op scripts, so each case is a few lines) indexed through the node's sync loop.
 */
class JsonRpcTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] flush(String... kv) {
        List<FlushDecoder.Pair> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            pairs.add(new FlushDecoder.Pair(b(kv[i]), b(kv[i + 1])));
        }
        return FlushDecoder.encode(pairs);
    }

    /** A node over probe blocks (height → script), serving JSON-RPC on a free port. */
    record Served(TestNode node, RpcClient rpc) {}

    Served serve(String name, Map<Long, Script> blocks, long start) throws Exception {
        TestNode node = new TestNode(TestNode.PROBE, temp.resolve(name));
        open.add(node);
        NavigableMap<Long, byte[]> bytes = new TreeMap<>();
        blocks.forEach((h, s) -> bytes.put(h, s.block(h.intValue())));
        new Sync(
                        new FixedChainSource<>(bytes, (h, b) -> b, "test blocks"),
                        node.indexer,
                        node.state,
                        TestNode.options(start, null),
                        new SyncListener() {})
                .run();
        RpcServer server =
                new RpcServer("127.0.0.1", 0, new JsonRpc(node.state, node.views, (m, ok) -> {}), 1 << 20, 8);
        open.add(server);
        return new Served(node, new RpcClient(server.port()));
    }

    Map<Long, Script> chain() {
        Map<Long, Script> blocks = new TreeMap<>();
        blocks.put(0L, Script.of().flush(flush("a", "1", "b", "2")));
        blocks.put(1L, Script.of().flush(new byte[0]));
        blocks.put(2L, Script.of().flush(flush("x", "1")).flush(flush("x", "3", "y", "2")));
        blocks.put(3L, Script.of().flush(flush("k", "v3", "m", "m3")));
        blocks.put(6L, Script.of().flush(flush("k", "v6")));
        return blocks;
    }

    static byte[] sha256(byte[]... parts) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (byte[] p : parts) {
            sha.update(p);
        }
        return sha.digest();
    }

    static byte[] entry(String k, String v) {
        byte[] kb = b(k);
        byte[] vb = b(v);
        return ByteBuffer.allocate(8 + kb.length + vb.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(kb.length)
                .put(kb)
                .putInt(vb.length)
                .put(vb)
                .array();
    }

    static String hex(byte[] bytes) {
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    @Test
    void stateRootsAreJshrewsCommitmentComputedIndependently() throws Exception {
        Served s = serve("roots", chain(), 0);
        // C-40: root(0) = SHA256(32 zero bytes ‖ SHA256(entries of a→1, b→2)).
        byte[] root0 = sha256(new byte[32], sha256(entry("a", "1"), entry("b", "2")));
        assertThat(s.rpc().result("metashrew_stateroot", "0")).isEqualTo(hex(root0));
        // C-41: a block with no writes still advances the root.
        byte[] root1 = sha256(root0, sha256());
        assertThat(s.rpc().result("metashrew_stateroot", "1")).isEqualTo(hex(root1));
        // C-42: [x,1] then [x,3,y,2] is the final value per key: x→3, y→2.
        byte[] root2 = sha256(root1, sha256(entry("x", "3"), entry("y", "2")));
        assertThat(s.rpc().result("metashrew_stateroot", "2")).isEqualTo(hex(root2));
        // C-55: a numeric height works too.
        assertThat(s.rpc().result("metashrew_stateroot", 2)).isEqualTo(hex(root2));
        // C-43: no root at 4 or 5: the nearest lower one (3); above the tip: the tip's.
        String root3 = s.rpc().result("metashrew_stateroot", "3");
        assertThat(s.rpc().result("metashrew_stateroot", "5")).isEqualTo(root3);
        assertThat(s.rpc().result("metashrew_stateroot", "99"))
                .isEqualTo(s.rpc().result("metashrew_stateroot", "6"));
        assertThat(s.rpc().result("metashrew_stateroot")).isEqualTo(s.rpc().result("metashrew_stateroot", "6"));

        // C-42 again, in another store: one flush [x,3,y,2] gives the same root at 2 as the two flushes.
        Map<Long, Script> single = new TreeMap<>(chain());
        single.put(2L, Script.of().flush(flush("x", "3", "y", "2")));
        Served t = serve("roots-single", single, 0);
        assertThat(t.rpc().result("metashrew_stateroot", "2")).isEqualTo(hex(root2));
    }

    @Test
    void noRootAtAllIsAnErrorAndAStoreStartedAtSHasAZeroRootAtSMinus1() throws Exception {
        Served empty = serve("empty", Map.of(), 0);
        assertThat(empty.rpc()
                        .call("metashrew_stateroot", "3")
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Storage error: State root not found for height 3");
        assertThat(empty.rpc().result("metashrew_height")).isEqualTo("0"); // C-56 on an empty store

        // C-44: a fresh store started at S = 5.
        Served late = serve("late", Map.of(5L, Script.of().flush(flush("a", "1"))), 5);
        assertThat(late.rpc().result("metashrew_stateroot", "4")).isEqualTo(hex(new byte[32]));
        assertThat(late.rpc().result("metashrew_stateroot", "5"))
                .isEqualTo(hex(sha256(new byte[32], sha256(entry("a", "1")))));
        assertThat(late.rpc()
                        .call("metashrew_stateroot", "3")
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Storage error: State root not found for height 3");
    }

    @Test
    void viewsHeightsAndHexFollowTheOriginal() throws Exception {
        Served s = serve("views", chain(), 0);
        RpcClient rpc = s.rpc();
        byte[] get = Script.of().get("k").ops();
        // C-52: "0x" + lowercase hex, input with or without 0x.
        String at6 = rpc.result("metashrew_view", "probe", HexFormat.of().formatHex(get), "6");
        assertThat(at6).startsWith("0x").isEqualTo(at6.toLowerCase(java.util.Locale.ROOT));
        assertThat(rpc.result("metashrew_view", "probe", "0x" + HexFormat.of().formatHex(get), "6"))
                .isEqualTo(at6);
        assertThat(at6).isEqualTo(hex(s.node().view("probe", get, 6)));
        // C-53: "latest", missing and null mean the tip; 6 and "6" are the same; text after ':' is ignored.
        assertThat(rpc.result("metashrew_view", "probe", hex(get), "latest")).isEqualTo(at6);
        assertThat(rpc.result("metashrew_view", "probe", hex(get))).isEqualTo(at6);
        assertThat(rpc.result("metashrew_view", "probe", hex(get), null)).isEqualTo(at6);
        assertThat(rpc.result("metashrew_view", "probe", hex(get), 6)).isEqualTo(at6);
        assertThat(rpc.result("metashrew_view", "probe", hex(get), "6:whatever"))
                .isEqualTo(at6);
        assertThat(rpc.result("metashrew_view", "probe", hex(get), "3")).isNotEqualTo(at6);
        // C-54: bad heights.
        for (Object bad : new Object[] {"pending", "0x10", -1, "-1", "earliest", 1.5}) {
            assertThat(rpc.call("metashrew_view", "probe", hex(get), bad)
                            .path("error")
                            .path("message")
                            .asText())
                    .as("height " + bad)
                    .startsWith("Serialization error: Invalid height");
        }
        assertThat(rpc.call("metashrew_view", "probe", "0xzz")
                        .path("error")
                        .path("message")
                        .asText())
                .startsWith("Serialization error: Invalid hex input");
        // C-14 over RPC: an invalid result pointer is "0x".
        assertThat(rpc.result("metashrew_view", "minus_one", "")).isEqualTo("0x");
        // C-15: a trapping view and a missing one.
        JsonNode trap =
                rpc.call("metashrew_view", "probe", hex(Script.of().trap().ops()));
        assertThat(trap.path("error").path("code").asInt()).isEqualTo(-32000);
        assertThat(trap.path("error").path("message").asText())
                .startsWith("View function error: View function failed: Failed to execute view function 'probe'");
        assertThat(rpc.call("metashrew_view", "nosuch", "")
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("View function error: View function failed: Failed to get view function 'nosuch'");
        // C-56: the height is a JSON string.
        JsonNode height = rpc.call("metashrew_height");
        assertThat(height.get("result").isTextual()).isTrue();
        assertThat(height.get("result").asText()).isEqualTo("6");
        // C-57: the block hash in display order with 0x; a missing one is an error.
        assertThat(rpc.result("metashrew_getblockhash", 3))
                .isEqualTo("0x" + Hashes.hex(s.node().store.blockHash(3).orElseThrow()));
        assertThat(rpc.call("metashrew_getblockhash", 4)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Storage error: Block hash not found for height 4");
        // C-61: the snapshot is a string holding a JSON object with indexed_height.
        JsonNode snapshot = JSON.readTree(rpc.result("metashrew_snapshot"));
        assertThat(snapshot.get("indexed_height").asLong()).isEqualTo(6);
        assertThat(snapshot.get("enabled").asBoolean()).isTrue();
    }

    @Test
    void errorsAreJsonRpcErrorsWithTheOriginalShape() throws Exception {
        Served s = serve("errors", chain(), 0);
        RpcClient rpc = s.rpc();
        // C-58: unknown method, id echoed, HTTP 200, alphabetical keys.
        RpcClient.Answer unknown = rpc.post("{\"id\":\"abc\",\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"params\":[]}");
        assertThat(unknown.status()).isEqualTo(200);
        assertThat(unknown.body().toString())
                .isEqualTo("{\"error\":{\"code\":-32000,\"message\":\"Generic error: Method not "
                        + "found\"},\"id\":\"abc\",\"jsonrpc\":\"2.0\"}");
        assertThat(rpc.post("{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"metashrew_height\",\"params\":[]}")
                        .body()
                        .toString())
                .isEqualTo("{\"id\":7,\"jsonrpc\":\"2.0\",\"result\":\"6\"}");
        // Wrong or missing params: -32602 Invalid params (JSON-RPC 2.0), not a dropped connection.
        assertThat(rpc.call("metashrew_view").path("error").path("message").asText())
                .startsWith("Invalid params: metashrew_view");
        assertThat(rpc.call("metashrew_view", 5, "00")
                        .path("error")
                        .path("code")
                        .asInt())
                .isEqualTo(-32602);
        assertThat(rpc.post("{\"id\":1,\"method\":\"metashrew_view\",\"params\":{\"a\":1}}")
                        .body()
                        .path("error")
                        .path("message")
                        .asText())
                .startsWith("Invalid params");
        // Malformed JSON, not a request, an empty batch, an oversized body.
        assertThat(rpc.post("{\"id\":1,").body().path("error").path("code").asInt())
                .isEqualTo(-32700);
        assertThat(rpc.post("42").body().path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(rpc.post("[]").body().path("error").path("code").asInt()).isEqualTo(-32600);
        RpcClient.Answer big = rpc.post(new byte[(1 << 20) + 10]);
        assertThat(big.body().path("error").path("message").asText()).startsWith("Invalid Request: body larger than");
        // A batch: one response per request, in order.
        JsonNode batch = rpc.post(
                        "[{\"id\":1,\"method\":\"metashrew_height\",\"params\":[]},{\"id\":2,\"method\":\"nope\"},"
                                + "{\"id\":3,\"method\":\"metashrew_getblockhash\",\"params\":[0]}]")
                .body();
        assertThat(batch.isArray()).isTrue();
        assertThat(batch).hasSize(3);
        assertThat(batch.get(0).get("result").asText()).isEqualTo("6");
        assertThat(batch.get(1).path("error").path("message").asText()).isEqualTo("Generic error: Method not found");
        assertThat(batch.get(2).get("id").asInt()).isEqualTo(3);
        // After all that the node still answers.
        assertThat(rpc.result("metashrew_height")).isEqualTo("6");
    }

    @Test
    void oversizedBodiesGetTheirAnswerAndNeverCostTheServer() throws Exception {
        Served s = serve("oversized", chain(), 0);
        RpcClient rpc = s.rpc();
        // Just over the limit: the server reads the rest and answers on a connection that stays usable. The client
        // is still sending when the handler decides, so an answer-then-close would make the kernel reset the
        // connection and lose the answer now and then: repeat to make that visible.
        for (int i = 0; i < 25; i++) {
            RpcClient.Answer big = rpc.post(new byte[(1 << 20) + 1 + i * 4099]);
            assertThat(big.status()).isEqualTo(200);
            assertThat(big.body().path("error").path("code").asInt()).isEqualTo(-32600);
            assertThat(big.body().path("error").path("message").asText())
                    .isEqualTo("Invalid Request: body larger than 1048576 bytes");
            assertThat(rpc.result("metashrew_height")).isEqualTo("6");
        }
        // Far beyond what the server is willing to read: it gives the connection up. Whether the client still sees
        // the answer depends on timing; the server must go on answering either way.
        byte[] huge =
                new byte[(int) Math.max(RpcServer.DRAIN_FACTOR * (1L << 20), RpcServer.MIN_DRAIN_BYTES) + (2 << 20)];
        try {
            assertThat(rpc.post(huge).body().path("error").path("code").asInt()).isEqualTo(-32600);
        } catch (java.io.IOException connectionGivenUp) {
            // expected sometimes: the server closed while the client was sending
        }
        assertThat(rpc.result("metashrew_height")).isEqualTo("6");
    }

    /** Every height's hash, root, writes and a few views, over RPC and in the store. */
    List<String> everything(Served s) throws Exception {
        List<String> out = new ArrayList<>();
        out.add(s.rpc().result("metashrew_height"));
        out.add(String.valueOf(s.node().store.tip()));
        for (long h = 0; h <= 8; h++) {
            out.add(s.rpc().call("metashrew_getblockhash", h).toString());
            out.add(s.rpc().call("metashrew_stateroot", Long.toString(h)).toString());
            out.add(Hashes.hex(dev.jshrew.host.StateRoot.digest(s.node().store.blockWrites(h))));
            for (String key : List.of("a", "k", "m", "x", "seen", "p")) {
                out.add(s.rpc()
                        .result(
                                "metashrew_view",
                                "probe",
                                hex(Script.of().get(key).ops()),
                                Long.toString(h)));
            }
        }
        return out;
    }

    @Test
    void previewSeesItsBlockAtHPlus1AndChangesNothing() throws Exception {
        Served s = serve("preview", chain(), 0);
        RpcClient rpc = s.rpc();
        List<String> before = everything(s);
        // Stage 1 reads at h (observes k), writes k→pv, seen→(what it observed) and p→1.
        Script block = Script.of().get("k").obsFlush("seen").flush(flush("k", "pv", "p", "1"));
        byte[] stage2 =
                Script.of().get("k").get("m").get("seen").get("p").get("a").ops();

        // C-59 at the tip (6): state(6) plus the block.
        String atTip = rpc.result("metashrew_preview", hex(block.block()), "probe", hex(stage2), "6");
        assertThat(atTip).isEqualTo(hex(expectedPreview(s, 6, "pv", "m3", observed(s, "k", 6), "1", "1")));
        // At a historical height (2): stage 1 reads at 2 (k missing), stage 2 at 3 sees block 3's m3, but the
        // preview's k wins over block 3's v3.
        String at2 = rpc.result("metashrew_preview", hex(block.block()), "probe", hex(stage2), "2");
        assertThat(at2).isEqualTo(hex(expectedPreview(s, 2, "pv", "m3", observed(s, "k", 2), "1", "1")));
        // "latest" and a missing height mean the tip.
        assertThat(rpc.result("metashrew_preview", hex(block.block()), "probe", hex(stage2)))
                .isEqualTo(atTip);
        // A failing preview is an error and changes nothing either.
        assertThat(rpc.call(
                                "metashrew_preview",
                                hex(Script.of().flush(flush("z", "1")).trap().block()),
                                "probe",
                                hex(stage2),
                                "3")
                        .path("error")
                        .path("message")
                        .asText())
                .startsWith("View function error: Preview function failed");
        assertThat(rpc.call("metashrew_preview", "0xgg", "probe", "")
                        .path("error")
                        .path("message")
                        .asText())
                .startsWith("Serialization error: Invalid hex block data");
        for (int i = 0; i < 10; i++) {
            rpc.result("metashrew_preview", hex(block.block(i)), "probe", hex(stage2), Integer.toString(i % 8));
        }
        // C-60: every view, root, hash and the height are what they were.
        assertThat(everything(s)).isEqualTo(before);
    }

    /** What the probe's GET observes for {@code key} at {@code h} (its observation bytes). */
    byte[] observed(Served s, String key, long h) {
        return s.node().view("probe", Script.of().get(key).ops(), h);
    }

    /** The probe's observations of GETs k, m, seen, p, a when those keys hold the given values. */
    byte[] expectedPreview(Served s, long h, String k, String m, byte[] seen, String p, String a) {
        // Built by running the same GETs over a throwaway store holding exactly those values at h+1.
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] v : new byte[][] {b(k), b(m), seen, b(p), b(a)}) {
            out.writeBytes(getObservation(v));
        }
        return out.toByteArray();
    }

    /** The probe's GET observation for a value: u32 len, then (len + 8) bytes: 4 × 0xEE, the value, 4 × 0xEE. */
    static byte[] getObservation(byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(4 + value.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(value.length);
        b.put(new byte[] {(byte) 0xEE, (byte) 0xEE, (byte) 0xEE, (byte) 0xEE});
        b.put(value);
        b.put(new byte[] {(byte) 0xEE, (byte) 0xEE, (byte) 0xEE, (byte) 0xEE});
        return b.array();
    }
}
