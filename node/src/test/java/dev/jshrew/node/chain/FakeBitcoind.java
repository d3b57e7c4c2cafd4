package dev.jshrew.node.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.bitcoin.BlockHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bitcoind-compatible JSON-RPC server on loopback for tests: {@code getblockcount}, {@code getblockhash},
 * {@code getblock HASH 0} (and verbosity 1's {@code previousblockhash}/{@code height}, unused by jshrew) over the
 * blocks it is given, with bitcoind's error shapes (HTTP 500 + {@code {"error":{"code":-8,…}}} for a height out of
 * range, -5 for an unknown hash, HTTP 401 without the right credentials). The active chain can be switched at any
 * time (a reorg); blocks of earlier chains stay fetchable by hash, as in bitcoind. Failures can be injected: the
 * next N calls of a method fail as a transport error (HTTP 503 with a non-JSON body) or serve a wrong block.
 * Every call is recorded with its time.
 */
public final class FakeBitcoind implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One recorded call. */
    public record Call(long nanos, String method, String params) {}

    private final HttpServer server;
    private volatile NavigableMap<Long, byte[]> chain = new TreeMap<>();
    private final Map<String, byte[]> byHash = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> wrongBlocks = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile String requiredAuth;
    private volatile long getblockDelayMillis;

    public FakeBitcoind() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-bitcoind");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** Serves {@code blocks} (by height) as the active chain. */
    public FakeBitcoind serve(NavigableMap<Long, byte[]> blocks) {
        for (byte[] b : blocks.values()) {
            byHash.put(Hashes.hex(BlockHeader.hash(b)), b);
        }
        chain = new TreeMap<>(blocks);
        return this;
    }

    /** Serves a chain from height 0. */
    public FakeBitcoind serve(RegtestChain c) {
        NavigableMap<Long, byte[]> m = new TreeMap<>();
        for (int h = 0; h < c.size(); h++) {
            m.put((long) h, c.block(h));
        }
        return serve(m);
    }

    /** Requires this {@code Authorization} header value. */
    public FakeBitcoind requireAuth(String header) {
        requiredAuth = header;
        return this;
    }

    /** The next {@code count} calls of {@code method} fail as transport errors. */
    public void failNext(String method, int count) {
        failures.computeIfAbsent(method, m -> new AtomicInteger()).addAndGet(count);
    }

    /** The next {@code count} {@code getblock} calls for the block at {@code height} return another block's bytes. */
    public void serveWrongBlock(long height, int count) {
        wrongBlocks
                .computeIfAbsent(Long.toString(height), m -> new AtomicInteger())
                .addAndGet(count);
    }

    /** Slows every {@code getblock} down. */
    public void getblockDelay(long millis) {
        getblockDelayMillis = millis;
    }

    public List<Call> calls() {
        return new ArrayList<>(calls);
    }

    public List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (requiredAuth != null
                    && !requiredAuth.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                send(exchange, 401, new byte[0], "text/html");
                return;
            }
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String method = request.path("method").asText();
            JsonNode params = request.path("params");
            JsonNode id = request.get("id");
            calls.add(new Call(System.nanoTime(), method, params.toString()));
            AtomicInteger fail = failures.get(method);
            if (fail != null && fail.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(
                        exchange,
                        503,
                        "<html>work queue depth exceeded</html>".getBytes(StandardCharsets.UTF_8),
                        "text/html");
                return;
            }
            NavigableMap<Long, byte[]> active = chain;
            ObjectNode response = JSON.createObjectNode();
            response.set("id", id);
            switch (method) {
                case "getblockcount" -> response.put("result", active.isEmpty() ? -1 : active.lastKey());
                case "getblockhash" -> {
                    long h = params.path(0).asLong(-1);
                    byte[] b = active.get(h);
                    if (b == null) {
                        error(exchange, response, -8, "Block height out of range");
                        return;
                    }
                    response.put("result", Hashes.hex(BlockHeader.hash(b)));
                }
                case "getblock" -> {
                    String hash = params.path(0).asText();
                    byte[] b = byHash.get(hash);
                    if (b == null) {
                        error(exchange, response, -5, "Block not found");
                        return;
                    }
                    long height = heightOf(active, hash);
                    AtomicInteger wrong = wrongBlocks.get(Long.toString(height));
                    if (wrong != null && wrong.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        b = active.firstEntry().getValue(); // another block's bytes
                    }
                    if (getblockDelayMillis > 0) {
                        Thread.sleep(getblockDelayMillis);
                    }
                    response.put("result", Hashes.hex(b));
                }
                default -> {
                    error(exchange, response, -32601, "Method not found");
                    return;
                }
            }
            response.putNull("error");
            send(exchange, 200, JSON.writeValueAsBytes(response), "application/json");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException e) {
            // a test server: a broken exchange is the client's problem
        }
    }

    private static long heightOf(NavigableMap<Long, byte[]> active, String hash) {
        for (Map.Entry<Long, byte[]> e : active.entrySet()) {
            if (Hashes.hex(BlockHeader.hash(e.getValue())).equals(hash)) {
                return e.getKey();
            }
        }
        return -1;
    }

    private static void error(HttpExchange exchange, ObjectNode response, int code, String message) throws IOException {
        response.putNull("result");
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", message);
        send(exchange, 500, JSON.writeValueAsBytes(response), "application/json");
    }

    private static void send(HttpExchange exchange, int status, byte[] body, String type) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
