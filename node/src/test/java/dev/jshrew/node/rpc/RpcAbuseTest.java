package dev.jshrew.node.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.node.metrics.NodeMetrics;
import dev.jshrew.node.sync.TestNode;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 3: slow or abusive clients cannot starve the server or grow it without bound: slow bodies, too
 * many connections from one address, oversized and abandoned batches, made-up method names in the metrics, slow
 * clients of the metrics endpoint. Loopback only; every loop is bounded in count and time.
 */
class RpcAbuseTest {
    @TempDir
    Path temp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (IOException ignored) {
                // a socket the server already closed
            }
        }
    }

    private static final InetAddress LOOPBACK = RpcClient.LOOPBACK;

    private static Socket connect(int port) throws IOException {
        return RpcClient.socket(port);
    }

    private TestNode probe() {
        TestNode node = new TestNode(TestNode.PROBE, temp.resolve("probe"));
        open.add(node);
        return node;
    }

    private static final String HEIGHT = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"metashrew_height\",\"params\":[]}";

    /** One metashrew_height call on a new connection; its latency in ms (fails after {@code timeout}). */
    private static long timedHeight(int port, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        try (http) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(timeout)
                            .POST(HttpRequest.BodyPublishers.ofString(HEIGHT))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).contains("\"result\":\"0\"");
            return (System.nanoTime() - t0) / 1_000_000;
        }
    }

    /** A socket that sent headers declaring a body of {@code declared} bytes and the body's first byte. */
    private Socket trickler(int port, int declared) throws IOException {
        Socket s = new Socket();
        open.add(s);
        s.connect(new InetSocketAddress(LOOPBACK, port), 5_000);
        s.getOutputStream()
                .write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                                + declared + "\r\n\r\n{")
                        .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Everything the server sends until it closes, or null if it is still open after {@code wait}. */
    private static String readUntilClosed(Socket s, Duration wait) throws IOException {
        s.setSoTimeout((int) wait.toMillis());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] buf = new byte[4096];
        try {
            while (System.nanoTime() < deadline) {
                int n = in.read(buf);
                if (n < 0) {
                    return got.toString(StandardCharsets.UTF_8);
                }
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException stillOpen) {
            return null;
        } catch (IOException reset) {
            return got.toString(StandardCharsets.UTF_8);
        }
        return null;
    }

    @Test
    void slowBodiesNeitherStarveOtherClientsNorStayOpenPastTheReadDeadline() throws Exception {
        TestNode node = probe();
        // 8 worker threads, 12 slow clients: before, each slow body held a worker thread for as long as it trickled.
        RpcServer server = new RpcServer(
                "127.0.0.1",
                0,
                new JsonRpc(node.state, node.views, (m, ok) -> {}),
                new RpcServer.Limits(1 << 20, 8, Duration.ofSeconds(3), Duration.ofSeconds(60), 64));
        open.add(server);
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            slow.add(trickler(server.port(), 100_000));
        }
        // Keep trickling one byte per socket every 200 ms while other clients call (10 calls, each within 5 s).
        long worst = 0;
        for (int round = 0; round < 10; round++) {
            for (Socket s : slow) {
                try {
                    s.getOutputStream().write(' ');
                } catch (IOException closedAlready) {
                    // the deadline may have passed for this one
                }
            }
            worst = Math.max(worst, timedHeight(server.port(), Duration.ofSeconds(5)));
            Thread.sleep(200);
        }
        assertThat(worst).as("slowest call beside 12 trickling bodies, ms").isLessThan(5_000);
        // Each slow client got a -32600 answer and its connection closed by the read deadline (3 s; 10 s at most).
        for (Socket s : slow) {
            String got = readUntilClosed(s, Duration.ofSeconds(10));
            assertThat(got).as("the server closed the slow connection").isNotNull();
            assertThat(got).contains("-32600").contains("did not arrive within 3 s");
        }
        assertThat(timedHeight(server.port(), Duration.ofSeconds(2))).isLessThan(2_000);
    }

    @Test
    void slowBodiesDoNotStarveTheDefaultServer() throws Exception {
        // The same attack on the server as serve builds it by default (5-argument constructor, 8 threads).
        TestNode node = probe();
        RpcServer server =
                new RpcServer("127.0.0.1", 0, new JsonRpc(node.state, node.views, (m, ok) -> {}), 1 << 20, 8);
        open.add(server);
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            slow.add(trickler(server.port(), 100_000));
        }
        for (int round = 0; round < 5; round++) {
            for (Socket s : slow) {
                s.getOutputStream().write(' ');
            }
            assertThat(timedHeight(server.port(), Duration.ofSeconds(5))).isLessThan(5_000);
            Thread.sleep(100);
        }
    }

    @Test
    void oneAddressCannotHoldMoreThanTheCapOfConnections() throws Exception {
        TestNode node = probe();
        RpcServer server = new RpcServer(
                "127.0.0.1",
                0,
                new JsonRpc(node.state, node.views, (m, ok) -> {}),
                new RpcServer.Limits(1 << 20, 8, Duration.ofSeconds(30), Duration.ofSeconds(60), 4));
        open.add(server);
        // Seven connections from one address with a cap of 4: three are closed at once, four stay open. (Which ones
        // is the order Jetty opens them in, not necessarily the order of connect.)
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Socket s = connect(server.port());
            open.add(s);
            idle.add(s);
        }
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.refusedConnections() < 3 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(server.refusedConnections()).isEqualTo(3);
        int closed = 0;
        int stillOpen = 0;
        for (Socket s : idle) {
            String got = readUntilClosed(s, Duration.ofMillis(500));
            if (got == null) {
                stillOpen++;
            } else {
                assertThat(got).as("a connection over the cap gets no bytes").isEmpty();
                closed++;
            }
        }
        assertThat(closed).as("connections closed over the cap").isEqualTo(3);
        assertThat(stillOpen).as("connections within the cap").isEqualTo(4);
        // Once the address closes some, it may connect again.
        for (Socket s : idle) {
            s.close();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                timedHeight(server.port(), Duration.ofSeconds(2));
                break;
            } catch (IOException | AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void batchesAreCappedAndAnAbandonedBatchStopsRunningViews() throws Exception {
        // spin's "spin" view never returns: each call runs until the 1 s view timeout.
        TestNode node = new TestNode(
                Fixtures.guest("wat/spin.wasm"),
                "spin.wasm",
                temp.resolve("spin"),
                new RunOptions(65536, Harness.TEST_COMMIT_BYTES, ResetMode.FAST, Duration.ofSeconds(1)));
        open.add(node);
        AtomicInteger calls = new AtomicInteger();
        RpcServer server = new RpcServer(
                "127.0.0.1",
                0,
                new JsonRpc(
                        node.state, node.views, (m, ok) -> calls.incrementAndGet(), new JsonRpc.Limits(1 << 20, 30)),
                1 << 20,
                8);
        open.add(server);
        RpcClient rpc = new RpcClient(server.port());
        // Over the cap: one -32600, nothing run.
        JsonNode refused = rpc.post(batchOf(31)).body();
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(JsonRpc.INVALID_REQUEST);
        assertThat(refused.path("error").path("message").asText())
                .isEqualTo("Invalid Request: a batch of 31 requests; the limit is 30");
        assertThat(calls.get()).isZero();
        // At the cap: answered.
        JsonNode full = rpc.post(batchOf(30)).body();
        assertThat(full.isArray()).isTrue();
        assertThat(full).hasSize(30);
        calls.set(0);
        // 20 spinning views (20 s of work) from a client that leaves after 1.5 s.
        StringBuilder spins = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            spins.append(i == 0 ? "" : ",")
                    .append("{\"id\":")
                    .append(i)
                    .append(",\"method\":\"metashrew_view\",\"params\":[\"spin\",\"00\"]}");
        }
        byte[] body = spins.append(']').toString().getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect(server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            Thread.sleep(1_500);
        }
        // The batch stops within a view timeout or two of the client leaving; the rest never runs.
        Thread.sleep(3_000);
        int afterLeaving = calls.get();
        Thread.sleep(3_000);
        assertThat(calls.get()).as("views run after the client left").isEqualTo(afterLeaving);
        assertThat(afterLeaving).as("views run of the abandoned batch").isLessThanOrEqualTo(5);
        // Both view workers are free again.
        assertThat(rpc.call("metashrew_view", "quick", "00").path("result").asText())
                .isEqualTo("0x6f6b");
    }

    private static String batchOf(int n) {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            batch.append(i == 0 ? "" : ",").append(HEIGHT);
        }
        return batch.append(']').toString();
    }

    @Test
    void metricsLabelsAreBoundedAndScrapingSurvivesSlowClients() throws Exception {
        NodeMetrics metrics = new NodeMetrics(() -> 0, -1).serve("127.0.0.1", 0);
        open.add(metrics);
        for (int i = 0; i < 50_000; i++) {
            metrics.rpcCall("made_up_" + i, false);
            metrics.rpcCall("metashrew_made_up_" + i, i % 2 == 0);
        }
        metrics.rpcCall("metashrew_view", true);
        metrics.rpcCall("metashrew_height", false);
        String text = scrape(metrics.port(), Duration.ofSeconds(5));
        List<String> series = text.lines()
                .filter(l -> l.startsWith("jshrew_rpc_requests_total{"))
                .toList();
        // other/ok, other/error, metashrew_view/ok, metashrew_height/error: never one per made-up name.
        assertThat(series).hasSize(4);
        assertThat(text).contains("method=\"other\",outcome=\"error\"} 75000");
        // Ten clients that send half a request line and stop: scraping still answers at once.
        for (int i = 0; i < 10; i++) {
            Socket s = connect(metrics.port());
            open.add(s);
            s.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            assertThat(scrape(metrics.port(), Duration.ofSeconds(5))).contains("jshrew_tip_height");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        }
    }

    private static String scrape(int port, Duration timeout) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                    .timeout(timeout)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }
}
