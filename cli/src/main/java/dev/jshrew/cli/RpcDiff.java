package dev.jshrew.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code diff --rpc URL1 URL2}: compares two running nodes' state roots over metashrew's JSON-RPC ({@code
 * metashrew_height}, {@code metashrew_stateroot}) and finds the first height where they differ.
 *
 * <p>A state root chains every block before it ({@code root(H) = SHA256(root(H-1) ‖ digest(H))}, {@link
 * dev.jshrew.host.StateRoot}): once two roots differ, every later one differs too. So equal roots at the last height
 * mean equal roots at every height in the range, and the first divergent height is found by bisection, with about
 * {@code 2 × log2(heights)} calls instead of one per height.
 */
final class RpcDiff {
    /** What the comparison found: the heights compared, and the first divergent height if any. */
    record Result(long from, long to, long tip1, long tip2, Optional<Divergence> divergence) {}

    /** The first height whose roots differ, with both roots. */
    record Divergence(long height, String root1, String root2) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI url1;
    private final URI url2;
    private long calls;

    RpcDiff(URI url1, URI url2) {
        this.url1 = url1;
        this.url2 = url2;
    }

    /** JSON-RPC calls made so far. */
    long calls() {
        return calls;
    }

    /**
     * Compares heights {@code from} … {@code to} (default: the lower of the two nodes' heights).
     *
     * @throws JshrewException {@link ErrorCode#INPUT} when a node cannot be reached or answers with an error
     */
    Result run(long from, Long to) {
        long tip1 = height(url1);
        long tip2 = height(url2);
        long last = to != null ? to : Math.min(tip1, tip2);
        if (from < 0 || last < from) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "nothing to compare: --from " + from + " --to " + last + " (heights: " + tip1 + " at " + url1 + ", "
                            + tip2 + " at " + url2 + ")");
        }
        if (last > Math.min(tip1, tip2)) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "--to " + last + " is above a node's height (" + tip1 + " at " + url1 + ", " + tip2 + " at " + url2
                            + ")");
        }
        if (equalAt(last)) {
            return new Result(from, last, tip1, tip2, Optional.empty());
        }
        // Invariant: roots differ at hi; lo is the lowest candidate.
        long lo = from;
        long hi = last;
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (equalAt(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return new Result(from, last, tip1, tip2, Optional.of(new Divergence(hi, root(url1, hi), root(url2, hi))));
    }

    private boolean equalAt(long height) {
        return root(url1, height).equals(root(url2, height));
    }

    private long height(URI url) {
        JsonNode result = call(url, "metashrew_height", JSON.createArrayNode());
        try {
            return Long.parseLong(result.asText());
        } catch (NumberFormatException e) {
            throw new JshrewException(ErrorCode.INPUT, url + ": metashrew_height answered " + result, e);
        }
    }

    private String root(URI url, long height) {
        return call(url, "metashrew_stateroot", JSON.createArrayNode().add(height))
                .asText();
    }

    private JsonNode call(URI url, String method, JsonNode params) {
        ObjectNode request = JSON.createObjectNode()
                .put("jsonrpc", "2.0")
                .put("id", ++calls)
                .put("method", method)
                .set("params", params);
        HttpResponse<String> response;
        try {
            response = http.send(
                    HttpRequest.newBuilder(url)
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.INPUT, "cannot call " + method + " on " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JshrewException(ErrorCode.INPUT, "interrupted calling " + url, e);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    url + " answered " + method + " with HTTP " + response.statusCode() + ", not JSON",
                    e);
        }
        if (body.hasNonNull("error")) {
            throw new JshrewException(ErrorCode.INPUT, url + ": " + method + " " + params + ": " + body.get("error"));
        }
        if (!body.has("result")) {
            throw new JshrewException(ErrorCode.INPUT, url + ": " + method + " answered without a result: " + body);
        }
        return body.get("result");
    }
}
