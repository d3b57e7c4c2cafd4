package dev.jshrew.node.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A small JSON-RPC client for tests. */
public final class RpcClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI url;

    public RpcClient(int port) {
        this.url = URI.create("http://127.0.0.1:" + port + "/");
    }

    /** 127.0.0.1. */
    public static final InetAddress LOOPBACK = loopback();

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A raw socket connected to 127.0.0.1:{@code port}, for tests that speak HTTP by hand. */
    public static Socket socket(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(LOOPBACK, port), 5_000);
        return s;
    }

    /** The HTTP status and the parsed body. */
    public record Answer(int status, JsonNode body) {}

    public Answer post(byte[] body) throws Exception {
        HttpResponse<byte[]> r = http.send(
                HttpRequest.newBuilder(url)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    public Answer post(String body) throws Exception {
        return post(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A request object with id 1. */
    public static ObjectNode request(String method, Object... params) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", 1);
        r.put("jsonrpc", "2.0");
        r.put("method", method);
        ArrayNode p = r.putArray("params");
        for (Object o : params) {
            p.add(JSON.valueToTree(o));
        }
        return r;
    }

    /** The whole response of a call. */
    public JsonNode call(String method, Object... params) throws Exception {
        return post(request(method, params).toString()).body();
    }

    /** The result of a call, failing on an error. */
    public String result(String method, Object... params) throws Exception {
        JsonNode r = call(method, params);
        if (r.has("error")) {
            throw new AssertionError(method + " failed: " + r);
        }
        return r.get("result").asText();
    }
}
