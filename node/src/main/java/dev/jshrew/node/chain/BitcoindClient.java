package dev.jshrew.node.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jshrew.host.Hashes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * bitcoind's JSON-RPC as a {@link ChainSource} (METASHREW-ABI §8.1): {@code getblockcount}, {@code getblockhash
 * [height]} and {@code getblock [hash, 0]}, each a POST of {@code {"id":…,"jsonrpc":"2.0","method":…,"params":[…]}}
 * with {@code Content-Type: application/json}; connect timeout 20 s, request timeout 60 s. The raw block is handed
 * on exactly as bitcoind serialises it, witness data included (C-70).
 *
 * <p>Failures: a transport error, an HTTP answer whose body is not a JSON-RPC response, or a bitcoind error is a
 * {@link SourceException} (the caller retries with backoff). One bitcoind error is an answer, not a failure:
 * {@code getblockhash} of a height above the tip (code -8, "Block height out of range") is an empty result.
 * Thread-safe ({@link HttpClient} is).
 */
public final class BitcoindClient implements ChainSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** bitcoind's RPC_INVALID_PARAMETER, returned for a height out of range. */
    private static final int RPC_INVALID_PARAMETER = -8;

    private final URI url;
    private final BitcoindAuth auth;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final AtomicLong ids = new AtomicLong();

    public BitcoindClient(URI url, BitcoindAuth auth) {
        this(url, auth, Duration.ofSeconds(20), Duration.ofSeconds(60));
    }

    public BitcoindClient(URI url, BitcoindAuth auth, Duration connectTimeout, Duration requestTimeout) {
        this.url = withoutUserInfo(url);
        this.auth = auth;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    private static URI withoutUserInfo(URI url) {
        if (url.getScheme() == null
                || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
            throw new IllegalArgumentException("--daemon-rpc-url must be http:// or https://, not " + url);
        }
        try {
            return new URI(
                    url.getScheme(),
                    null,
                    url.getHost(),
                    url.getPort(),
                    url.getPath() == null || url.getPath().isEmpty() ? "/" : url.getPath(),
                    url.getQuery(),
                    null);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("bad --daemon-rpc-url " + url + ": " + e.getMessage(), e);
        }
    }

    /** A bitcoind error answer. */
    public static final class RpcErrorException extends SourceException {
        private static final long serialVersionUID = 1L;
        private final int code;

        RpcErrorException(String method, int code, String message) {
            super("bitcoind " + method + " returned error " + code + ": " + message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    @Override
    public boolean live() {
        return true;
    }

    @Override
    public long bestHeight() {
        return getBlockCount();
    }

    @Override
    public Optional<byte[]> blockHash(long height) {
        return getBlockHash(height);
    }

    @Override
    public byte[] block(long height, byte[] hash) {
        return getBlock(hash);
    }

    @Override
    public String describe() {
        return "bitcoind " + url + " (" + auth.describe() + ")";
    }

    /** {@code getblockcount}: the height of the best block. */
    public long getBlockCount() {
        JsonNode result = call("getblockcount", JSON.createArrayNode());
        if (!result.canConvertToLong()) {
            throw new SourceException("bitcoind getblockcount returned " + result + ", not a number");
        }
        return result.asLong();
    }

    /** {@code getblockhash [height]}: the hash in display order, or empty above the tip. */
    public Optional<byte[]> getBlockHash(long height) {
        try {
            JsonNode result = call("getblockhash", JSON.createArrayNode().add(height));
            return Optional.of(hex("getblockhash", result, 32));
        } catch (RpcErrorException e) {
            if (e.code() == RPC_INVALID_PARAMETER) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** {@code getblock [hash, 0]}: the raw block. */
    public byte[] getBlock(byte[] hash) {
        JsonNode result =
                call("getblock", JSON.createArrayNode().add(Hashes.hex(hash)).add(0));
        return hex("getblock", result, -1);
    }

    private static byte[] hex(String method, JsonNode result, int length) {
        if (!result.isTextual()) {
            throw new SourceException(
                    "bitcoind " + method + " returned " + abbreviate(result.toString()) + ", not a hex string");
        }
        try {
            byte[] bytes = HexFormat.of().parseHex(result.asText());
            if (length >= 0 && bytes.length != length) {
                throw new SourceException(
                        "bitcoind " + method + " returned " + bytes.length + " bytes, expected " + length);
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new SourceException("bitcoind " + method + " returned invalid hex: " + e.getMessage(), e);
        }
    }

    private JsonNode call(String method, ArrayNode params) {
        ObjectNode request = JSON.createObjectNode();
        request.put("id", ids.incrementAndGet());
        request.put("jsonrpc", "2.0");
        request.put("method", method);
        request.set("params", params);
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString()));
        auth.header().ifPresent(h -> builder.header("Authorization", h));
        HttpResponse<InputStream> response;
        try {
            response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new SourceException("bitcoind " + method + " at " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted during bitcoind " + method, e);
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            try (InputStream in = response.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the status says enough
            }
            throw new SourceException(
                    "bitcoind " + method + ": HTTP " + response.statusCode() + " (check --auth or --rpc-cookie-file)");
        }
        JsonNode body;
        try (InputStream in = response.body()) {
            body = JSON.readTree(in);
        } catch (IOException e) {
            throw new SourceException(
                    "bitcoind " + method + ": HTTP " + response.statusCode() + " with a body that is not JSON: "
                            + e.getMessage(),
                    e);
        }
        if (body == null || !body.isObject()) {
            throw new SourceException(
                    "bitcoind " + method + ": HTTP " + response.statusCode() + ", not a JSON-RPC response");
        }
        JsonNode error = body.get("error");
        if (error != null && !error.isNull()) {
            throw new RpcErrorException(
                    method, error.path("code").asInt(0), error.path("message").asText(error.toString()));
        }
        JsonNode result = body.get("result");
        if (result == null || result.isNull()) {
            throw new SourceException("bitcoind " + method + ": HTTP " + response.statusCode() + ", missing result");
        }
        return result;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
