package dev.jshrew.node.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.node.chain.FixedChainSource;
import dev.jshrew.node.sync.ChainState;
import dev.jshrew.node.sync.Sync;
import dev.jshrew.node.sync.SyncListener;
import dev.jshrew.node.sync.TestNode;
import dev.jshrew.tck.Script;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 2: every JSON-RPC method checks every param as node/README documents, and what a client reads
 * carries no server path and no Java class name; the detail goes to the log under a request id the client's error
 * also carries. Loopback only.
 */
class RpcParamsAndErrorsTest {
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

    /** A probe node with blocks 0…3 and a server over {@code state} (its own store if null). */
    private RpcClient serve(TestNode node, ChainState state, int maxBody) throws Exception {
        RpcServer server = new RpcServer(
                "127.0.0.1",
                0,
                new JsonRpc(
                        state == null ? node.state : state,
                        node.views,
                        (m, ok) -> {},
                        new JsonRpc.Limits(maxBody, JsonRpc.Limits.DEFAULT_MAX_BATCH_SIZE)),
                maxBody,
                8);
        open.add(server);
        return new RpcClient(server.port());
    }

    private TestNode node(String name) throws Exception {
        TestNode node = new TestNode(TestNode.PROBE, temp.resolve(name));
        open.add(node);
        NavigableMap<Long, byte[]> blocks = new TreeMap<>();
        for (long h = 0; h <= 3; h++) {
            blocks.put(h, Script.of().flush(JsonRpcTest.flush("k", "v" + h)).block((int) h));
        }
        new Sync(
                        new FixedChainSource<>(blocks, (h, b) -> b, "test blocks"),
                        node.indexer,
                        node.state,
                        TestNode.options(0, null),
                        new SyncListener() {})
                .run();
        return node;
    }

    /** A request whose params are the given raw JSON text. */
    private static String raw(String method, String params) {
        return "{\"id\":9,\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\""
                + (params == null ? "" : ",\"params\":" + params) + "}";
    }

    private static void assertInvalidParams(RpcClient rpc, String method, String params) throws Exception {
        JsonNode answer = rpc.post(raw(method, params)).body();
        assertThat(answer.has("result"))
                .as(method + " " + params + " → " + answer)
                .isFalse();
        assertThat(answer.path("error").path("code").asInt())
                .as(method + " " + params + " → " + answer)
                .isEqualTo(JsonRpc.INVALID_PARAMS);
        assertThat(answer.path("error").path("message").asText())
                .as(method + " " + params)
                .startsWith("Invalid params: " + method);
        assertThat(answer.path("id").asInt()).isEqualTo(9);
    }

    private static void assertInvalidHeight(RpcClient rpc, String method, String params) throws Exception {
        JsonNode answer = rpc.post(raw(method, params)).body();
        assertThat(answer.has("result"))
                .as(method + " " + params + " → " + answer)
                .isFalse();
        assertThat(answer.path("error").path("message").asText())
                .as(method + " " + params)
                .startsWith("Serialization error: Invalid height");
    }

    @Test
    void getblockhashTakesExactlyOneIntegerHeightAndNeverAnswersGenesisForGarbage() throws Exception {
        TestNode node = node("hash");
        RpcClient rpc = serve(node, null, 1 << 20);
        String genesis = rpc.result("metashrew_getblockhash", 0);
        for (String bad : List.of(
                "[\"840243\"]",
                "[\"abc\"]",
                "[\"0\"]",
                "[]",
                "[83636.9]",
                "[0.0]",
                "[1e3]",
                "[-1]",
                "[4294967296]",
                "[18446744073709551616]",
                "[null]",
                "[{}]",
                "[[0]]",
                "[true]",
                "[0,1]",
                "null",
                "{}",
                "{\"height\":0}",
                "\"0\"",
                "0")) {
            assertInvalidParams(rpc, "metashrew_getblockhash", bad);
        }
        assertInvalidParams(rpc, "metashrew_getblockhash", null); // no params at all
        // The valid forms still work, and a height with no block is the original's storage error.
        assertThat(rpc.result("metashrew_getblockhash", 0)).isEqualTo(genesis);
        assertThat(rpc.result("metashrew_getblockhash", 3)).isNotEqualTo(genesis);
        assertThat(rpc.call("metashrew_getblockhash", 4294967295L)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Storage error: Block hash not found for height 4294967295");
    }

    @Test
    void everyMethodChecksTheCountAndTypeOfEveryParam() throws Exception {
        TestNode node = node("params");
        RpcClient rpc = serve(node, null, 1 << 20);
        String get = JsonRpcTest.hex(Script.of().get("k").ops());
        // metashrew_view: [function, inputHex, height?]
        for (String bad : List.of(
                "[]",
                "[\"probe\"]",
                "[5,\"00\"]",
                "[null,\"00\"]",
                "[\"probe\",5]",
                "[\"probe\",{}]",
                "[\"probe\",[]]",
                "[\"probe\",\"00\",\"3\",\"extra\"]",
                "{}",
                "\"probe\"")) {
            assertInvalidParams(rpc, "metashrew_view", bad);
        }
        for (String bad : List.of("true", "{}", "[3]", "3.5", "-1", "4294967296", "\"0x10\"", "\"\"")) {
            assertInvalidHeight(rpc, "metashrew_view", "[\"probe\",\"" + get + "\"," + bad + "]");
        }
        // metashrew_preview: [blockHex, function, inputHex, height?]
        for (String bad : List.of(
                "[]",
                "[\"00\",\"probe\"]",
                "[1,\"probe\",\"00\"]",
                "[\"00\",2,\"00\"]",
                "[\"00\",\"probe\",false]",
                "[\"00\",\"probe\",\"00\",\"1\",\"x\"]",
                "{\"block\":\"00\"}")) {
            assertInvalidParams(rpc, "metashrew_preview", bad);
        }
        for (String bad : List.of("true", "{}", "[1]", "1.5", "\"4294967295\"")) {
            assertInvalidHeight(rpc, "metashrew_preview", "[\"00\",\"probe\",\"00\"," + bad + "]");
        }
        // metashrew_height and metashrew_snapshot: []
        for (String method : List.of("metashrew_height", "metashrew_snapshot")) {
            for (String bad : List.of("[1]", "[\"latest\"]", "[null]", "{}", "\"x\"")) {
                assertInvalidParams(rpc, method, bad);
            }
            assertThat(rpc.post(raw(method, "[]")).body().has("result")).isTrue();
            assertThat(rpc.post(raw(method, "null")).body().has("result")).isTrue();
            assertThat(rpc.post(raw(method, null)).body().has("result")).isTrue();
        }
        // metashrew_stateroot: [height?]
        for (String bad : List.of("[\"1\",\"2\"]", "{}", "\"1\"")) {
            assertInvalidParams(rpc, "metashrew_stateroot", bad);
        }
        for (String bad : List.of("[true]", "[{}]", "[[1]]", "[1.25]", "[-3]", "[\"abc\"]")) {
            assertInvalidHeight(rpc, "metashrew_stateroot", bad);
        }
        assertThat(rpc.result("metashrew_stateroot", 2)).isEqualTo(rpc.result("metashrew_stateroot", "2"));
        // An unknown method is "Method not found" whatever its params.
        assertThat(rpc.post(raw("metashrew_nope", "{}"))
                        .body()
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Generic error: Method not found");
        // In a batch, each bad request gets its own error and the good ones their results.
        JsonNode batch = rpc.post("[" + raw("metashrew_getblockhash", "[\"840243\"]") + ","
                        + raw("metashrew_getblockhash", "[1]") + "," + raw("metashrew_height", "[7]") + "]")
                .body();
        assertThat(batch.get(0).path("error").path("code").asInt()).isEqualTo(JsonRpc.INVALID_PARAMS);
        assertThat(batch.get(1).path("result").asText()).isEqualTo(rpc.result("metashrew_getblockhash", 1));
        assertThat(batch.get(2).path("error").path("code").asInt()).isEqualTo(JsonRpc.INVALID_PARAMS);
        // A client's long text is cut in messages, never echoed whole.
        String longHeight = "9".repeat(100_000);
        assertThat(rpc.post(raw("metashrew_view", "[\"probe\",\"00\",\"" + longHeight + "\"]"))
                        .body()
                        .path("error")
                        .path("message")
                        .asText()
                        .length())
                .isLessThan(200);
    }

    /** Client-visible text must not name server paths, Java packages or exception classes. */
    private void assertSafe(JsonNode answer, String... serverSecrets) {
        String text = answer.toString();
        assertThat(text).doesNotContain("java.", "javax.", "dev.jshrew", "jdk.", "com.fasterxml", "org.eclipse");
        assertThat(text).doesNotContain("Exception", "StreamReadConstraints");
        assertThat(text).doesNotContain(temp.toString(), "/tmp/", "/work/", "/home/", "/root/");
        for (String secret : serverSecrets) {
            assertThat(text).doesNotContain(secret);
        }
    }

    /** A store that fails some reads the way a damaged RocksDB or a bug would, with paths and class names. */
    private static KeyValueStore failing(KeyValueStore real, Path db) {
        return (KeyValueStore) Proxy.newProxyInstance(
                KeyValueStore.class.getClassLoader(), new Class<?>[] {KeyValueStore.class}, (proxy, m, args) -> {
                    if (m.getName().equals("blockHash") && (long) args[0] == 2) {
                        throw new JshrewException(
                                ErrorCode.STORAGE,
                                "RocksDB get failed: Corruption: block checksum mismatch in " + db.resolve("000012.sst")
                                        + " (org.rocksdb.RocksDBException)");
                    }
                    if (m.getName().equals("blockHash") && (long) args[0] == 3) {
                        throw new IllegalStateException(
                                "dev.jshrew.storage.rocksdb.RocksStore$Handle closed at " + db.resolve("LOCK"));
                    }
                    if (m.getName().equals("stateRootAtOrBelow")) {
                        throw new java.io.UncheckedIOException(
                                new java.io.IOException("No space left on device: " + db.resolve("000099.log")));
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void clientErrorsNameNoServerPathOrClassAndCarryTheLoggedRequestId() throws Exception {
        TestNode node = node("safe");
        Path db = temp.resolve("safe");
        RpcClient rpc = serve(node, new ChainState(failing(node.store, db)), 1 << 20);
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(JsonRpc.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        try {
            // Storage errors, an unexpected failure, a full disk: a fixed text with the request id.
            List<JsonNode> failures = List.of(
                    rpc.call("metashrew_getblockhash", 2),
                    rpc.call("metashrew_getblockhash", 3),
                    rpc.call("metashrew_stateroot", "1"));
            for (JsonNode f : failures) {
                assertSafe(f, "000012.sst", "LOCK", "000099.log", "No space left");
                assertThat(f.path("error").path("code").asInt()).isEqualTo(JsonRpc.SERVER_ERROR);
                String id = f.path("error").path("data").path("request_id").asText();
                assertThat(id).isNotEmpty();
                assertThat(f.path("error").path("message").asText()).contains(id);
                // The log holds the full detail under the same id.
                assertThat(logged.stream()
                                .filter(r -> format(r).contains(id))
                                .map(RpcParamsAndErrorsTest::format)
                                .toList())
                        .as("log lines for " + id)
                        .anySatisfy(line -> assertThat(line).contains(db.toString()));
            }
            assertThat(failures.get(0).path("error").path("message").asText()).startsWith("Storage error: ");
            // Distinct requests, distinct ids.
            assertThat(failures.stream()
                            .map(f -> f.path("error")
                                    .path("data")
                                    .path("request_id")
                                    .asText())
                            .distinct()
                            .count())
                    .isEqualTo(3);
            // The original's own errors keep their exact shape (no data).
            assertThat(rpc.call("metashrew_getblockhash", 9).toString())
                    .isEqualTo("{\"error\":{\"code\":-32000,\"message\":"
                            + "\"Storage error: Block hash not found for height 9\"},\"id\":1,\"jsonrpc\":\"2.0\"}");
        } finally {
            log.removeHandler(capture);
        }
        // View traps and failures of the guest: the message says what failed, with no path or class name.
        JsonNode trap = rpc.call(
                "metashrew_view", "probe", JsonRpcTest.hex(Script.of().trap().ops()));
        assertSafe(trap);
        assertThat(trap.path("error").path("message").asText())
                .startsWith("View function error: View function failed: Failed to execute view function 'probe'");
        assertThat(trap.path("error").path("data").path("request_id").asText()).isNotEmpty();
        assertSafe(rpc.call("metashrew_view", "minus_one_", "00"));
        assertSafe(rpc.call("metashrew_preview", "00", "probe", "00"));
        // Malformed JSON of every kind: -32700 with the parser's words, none of its class names.
        List<byte[]> malformed = List.of(
                b("{\"id\":1,"),
                b("{\"a\":tru}"),
                b("{\"id\":" + "1".repeat(5000) + "}"),
                b("[".repeat(3000) + "]".repeat(3000)),
                new byte[] {(byte) 0xff, (byte) 0xfe, '{'},
                b("{\"id\":1,\"method\":\"x\u0001\"}"),
                b("\"" + "a".repeat(100) + "\\u12\""));
        for (byte[] body : malformed) {
            JsonNode answer = rpc.post(body).body();
            assertSafe(answer);
            assertThat(answer.path("error").path("code").asInt())
                    .as(new String(body, 0, Math.min(40, body.length), StandardCharsets.UTF_8))
                    .isIn(JsonRpc.PARSE_ERROR, JsonRpc.INVALID_REQUEST);
        }
        // Wrong types and shapes.
        for (String body : List.of(
                "42",
                "\"x\"",
                "null",
                "[1,2]",
                "{\"method\":5}",
                "{\"method\":\"metashrew_view\",\"params\":[{},[]]}")) {
            assertSafe(rpc.post(body).body());
        }
    }

    private static String format(LogRecord r) {
        String message = r.getMessage();
        if (r.getParameters() != null) {
            message = java.text.MessageFormat.format(message, r.getParameters());
        }
        return message + (r.getThrown() == null ? "" : " " + r.getThrown());
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void scrubRemovesPathsAndClassNamesAndKeepsTheRest() {
        assertThat(JsonRpc.scrub("wasm trap: unreachable at offset 12"))
                .isEqualTo("wasm trap: unreachable at offset 12");
        String scrubbed = JsonRpc.scrub("java.lang.IllegalStateException: at /var/lib/jshrew/db/000012.sst "
                + "(file:/opt/x.jar) dev.jshrew.host.Foo$Bar.run() NullPointerException `StreamReadConstraints.x()`");
        assertThat(scrubbed).doesNotContain("/var", "/opt", "java.", "dev.jshrew", "Exception", "StreamRead");
        assertThat(scrubbed).contains("<path>", "<internal>");
    }

    @Test
    void theJsonStringCapIsNeverBelowTheBodyLimit() throws Exception {
        // Jackson's default cap (20 M chars) is below serve's default --max-request-size (32 MiB): a preview of a
        // large block failed to parse. The cap follows the limit now.
        int limit = 32 << 20;
        TestNode node = node("strings");
        JsonRpc rpc = new JsonRpc(node.state, node.views, (m, ok) -> {}, new JsonRpc.Limits(limit, 10));
        assertThat(rpc.maxStringLength()).isGreaterThanOrEqualTo(limit);
        assertThat(new JsonRpc(node.state, node.views, (m, ok) -> {}).maxStringLength())
                .isGreaterThanOrEqualTo(32 << 20);
        // Over HTTP: a 21,000,000-char hex input inside a body under the limit parses; the call reaches the view.
        RpcClient client = serve(node, null, limit);
        String body =
                "{\"id\":1,\"method\":\"metashrew_view\",\"params\":[\"nosuch\",\"" + "00".repeat(10_500_000) + "\"]}";
        JsonNode answer = client.post(body).body();
        assertSafe(answer);
        assertThat(answer.path("error").path("message").asText())
                .isEqualTo("View function error: View function failed: Failed to get view function 'nosuch'");
        // The README states the limits the code uses.
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme).contains("wait up to the pool's " + ViewPool.DEFAULT_WAIT.toSeconds() + " s");
        assertThat(readme).contains("at most " + JsonRpc.Limits.DEFAULT_MAX_BATCH_SIZE + " requests");
        assertThat(readme)
                .contains("within " + RpcServer.Limits.DEFAULT_REQUEST_READ_TIMEOUT.toSeconds() + " s")
                .contains(RpcServer.Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS + " connections per client address");
    }
}
