package dev.jshrew.node.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.node.sync.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --cors} (rockshrew-mono's, METASHREW-ABI §6.4): which origins are allowed, the headers an allowed origin
 * gets on every answer, preflights answered with 204, and no CORS header at all for any other origin.
 */
class CorsTest {
    private static final String RPC_HEIGHT =
            "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"metashrew_height\",\"params\":[]}";

    @TempDir
    Path temp;

    HttpClient http;

    @Test
    void originsAreStarOrAListOfExactOrigins() {
        assertThat(Cors.parse("*").allowOrigin("https://anything.example")).contains("*");
        assertThat(Cors.parse("*").allowOrigin(null)).isEmpty();
        Cors list = Cors.parse(" https://wallet.example , http://localhost:3000/");
        assertThat(list.origins()).containsExactly("https://wallet.example", "http://localhost:3000");
        assertThat(list.allowOrigin("https://Wallet.example")).contains("https://Wallet.example");
        assertThat(list.allowOrigin("http://localhost:3000")).contains("http://localhost:3000");
        assertThat(list.allowOrigin("http://localhost:3001")).isEmpty();
        assertThat(list.allowOrigin("https://wallet.example.evil")).isEmpty();
        assertThat(list.allowOrigin("null")).isEmpty();
        assertThat(Cors.defaults().origins()).containsExactly("http://localhost:8080");
        assertThat(Cors.NONE.allowOrigin("http://localhost:8080")).isEmpty();
        for (String bad :
                List.of("", " ", "wallet.example", "http://a.example/path", "http://a.example,", "https://")) {
            assertThatThrownBy(() -> Cors.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    HttpResponse<String> send(int port, String method, String origin, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (origin != null) {
            b.header("Origin", origin);
        }
        if (method.equals("OPTIONS")) {
            b.header("Access-Control-Request-Method", "POST");
            b.header("Access-Control-Request-Headers", "content-type");
        }
        b.header("Content-Type", "application/json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<String> corsHeaders(HttpHeaders headers) {
        return headers.map().keySet().stream()
                .filter(k -> k.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"))
                .toList();
    }

    @Test
    void allowedOriginsGetCorsHeadersAndPreflightsOthersGetNone() throws Exception {
        try (TestNode node = new TestNode(TestNode.PROBE, temp.resolve("db"));
                RpcServer listed = new RpcServer(
                        "127.0.0.1",
                        0,
                        new JsonRpc(node.state, node.views, (m, ok) -> {}),
                        RpcServer.Limits.of(1 << 20, 4),
                        Cors.parse("https://wallet.example"));
                RpcServer any = new RpcServer(
                        "127.0.0.1",
                        0,
                        new JsonRpc(node.state, node.views, (m, ok) -> {}),
                        RpcServer.Limits.of(1 << 20, 4),
                        Cors.parse("*"));
                RpcServer none =
                        new RpcServer("127.0.0.1", 0, new JsonRpc(node.state, node.views, (m, ok) -> {}), 1 << 20, 4);
                HttpClient client = HttpClient.newHttpClient()) {
            http = client; // closed before the servers, so their graceful stop has no open connection to wait for
            // A preflight from an allowed origin: 204, the origin, methods, the requested headers, max age.
            HttpResponse<String> preflight = send(listed.port(), "OPTIONS", "https://wallet.example", null);
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.body()).isEmpty();
            HttpHeaders h = preflight.headers();
            assertThat(h.firstValue("Access-Control-Allow-Origin")).contains("https://wallet.example");
            assertThat(h.firstValue("Access-Control-Allow-Methods")).contains("POST, OPTIONS");
            assertThat(h.firstValue("Access-Control-Allow-Headers")).contains("content-type");
            assertThat(h.firstValue("Access-Control-Max-Age")).contains("3600");
            assertThat(h.allValues("Vary")).contains("Origin");

            // The call itself carries the origin too, and is answered as always.
            HttpResponse<String> call = send(listed.port(), "POST", "https://wallet.example", RPC_HEIGHT);
            assertThat(call.statusCode()).isEqualTo(200);
            assertThat(call.body()).isEqualTo("{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":\"0\"}");
            assertThat(call.headers().firstValue("Access-Control-Allow-Origin")).contains("https://wallet.example");

            // Another origin: answered, but without a single CORS header, so a browser refuses it.
            HttpResponse<String> otherPreflight = send(listed.port(), "OPTIONS", "https://evil.example", null);
            assertThat(otherPreflight.statusCode()).isEqualTo(204);
            assertThat(corsHeaders(otherPreflight.headers())).isEmpty();
            HttpResponse<String> otherCall = send(listed.port(), "POST", "https://evil.example", RPC_HEIGHT);
            assertThat(otherCall.statusCode()).isEqualTo(200);
            assertThat(corsHeaders(otherCall.headers())).isEmpty();
            assertThat(corsHeaders(send(listed.port(), "POST", null, RPC_HEIGHT).headers()))
                    .isEmpty();

            // * allows any origin with "*".
            HttpResponse<String> anyPreflight = send(any.port(), "OPTIONS", "https://evil.example", null);
            assertThat(anyPreflight.statusCode()).isEqualTo(204);
            assertThat(anyPreflight.headers().firstValue("Access-Control-Allow-Origin"))
                    .contains("*");
            assertThat(send(any.port(), "POST", "https://evil.example", RPC_HEIGHT)
                            .headers()
                            .firstValue("Access-Control-Allow-Origin"))
                    .contains("*");

            // Without CORS (the library default): preflights get 204 and Allow, never a CORS header.
            HttpResponse<String> plain = send(none.port(), "OPTIONS", "http://localhost:8080", null);
            assertThat(plain.statusCode()).isEqualTo(204);
            assertThat(plain.headers().firstValue("Allow")).isEqualTo(Optional.of("POST, OPTIONS"));
            assertThat(corsHeaders(plain.headers())).isEmpty();

            // Other methods are still refused.
            HttpResponse<String> get = send(listed.port(), "GET", "https://wallet.example", null);
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.body()).contains("-32600");
        }
    }
}
