package dev.jshrew.node.rpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.ChainIndex;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.StateRoot;
import dev.jshrew.node.sync.ChainState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * metashrew's JSON-RPC methods (METASHREW-ABI §6) over one store and a {@link ViewPool}, without the transport:
 * {@link #handle} takes a request body and returns the response body. Thread-safe; views run on the pool's
 * instances, never on the indexer's, and under {@link ChainState#read} so no rollback runs beneath them.
 *
 * <p>As the original: errors are HTTP 200 with {@code {"error":{"code":-32000,"message":…},"id":…,"jsonrpc":"2.0"}}
 * and the original's message texts; keys are in alphabetical order; {@code id} is echoed ({@code null} if missing);
 * {@code jsonrpc} is not checked. Beyond the original (it panics or answers with plain HTTP errors): missing or
 * mistyped params are -32602 errors; batches (arrays) get an array of responses; a body that is not JSON is
 * {@code -32700} and a body that is not a request object is {@code -32600}, as JSON-RPC 2.0 says; numeric heights
 * work for {@code metashrew_stateroot} (C-55); {@code metashrew_preview} never writes to the store (C-59, C-60).
 *
 * <p>Every method checks its params (count and types, node/README) and answers {@code -32602 Invalid params: …}
 * otherwise. What a client reads never holds a server path or a Java class name: an error whose detail is the
 * server's (storage, an unexpected failure) is a fixed text, and a view's or preview's failure is scrubbed of both
 * ({@link #scrub}); the full detail goes to the log with a request id, and the client's error carries the same id
 * as {@code error.data.request_id}. A batch holds at most {@link Limits#maxBatchSize()} requests and stops when its
 * client has gone.
 */
public final class JsonRpc {
    private static final System.Logger LOG = System.getLogger(JsonRpc.class.getName());
    private static final ObjectMapper WRITER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** metashrew's one error code. */
    public static final int SERVER_ERROR = -32000;
    /** JSON-RPC 2.0: the body is not JSON. */
    public static final int PARSE_ERROR = -32700;
    /** JSON-RPC 2.0: the JSON is not a request. */
    public static final int INVALID_REQUEST = -32600;
    /** JSON-RPC 2.0: the params of a method are wrong (count or type). */
    public static final int INVALID_PARAMS = -32602;
    /** The methods this server has (anything else is "Method not found"). */
    public static final Set<String> METHODS = Set.of(
            "metashrew_view",
            "metashrew_preview",
            "metashrew_height",
            "metashrew_getblockhash",
            "metashrew_stateroot",
            "metashrew_snapshot");

    /** The longest piece of a client's own text (a height, a function name) repeated in an error message. */
    static final int ECHO_CHARS = 80;

    /**
     * Limits of the JSON-RPC layer.
     *
     * @param maxBodyBytes the HTTP body limit: JSON strings may be as long as a body (a block's hex in a preview),
     *     so the parser's string cap is this, never lower
     * @param maxBatchSize the most requests in one batch
     */
    public record Limits(int maxBodyBytes, int maxBatchSize) {
        /** {@code serve}'s default batch cap ({@code --max-batch-size}). */
        public static final int DEFAULT_MAX_BATCH_SIZE = 100;

        public Limits {
            if (maxBodyBytes < 1 || maxBatchSize < 1) {
                throw new IllegalArgumentException(
                        "invalid JSON-RPC limits: body " + maxBodyBytes + " bytes, batch " + maxBatchSize);
            }
        }
    }

    private final ChainState state;
    private final ViewPool views;
    private final Observer observer;

    /** Told about every call, for metrics. */
    @FunctionalInterface
    public interface Observer {
        /** {@code method} (as the client sent it) ended, successfully or not, after {@code nanos}. */
        void called(String method, boolean ok, long nanos);
    }

    private final Limits limits;
    private final ObjectMapper json;
    private final String idPrefix =
            String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    private final AtomicLong requests = new AtomicLong();

    /**
     * With a 32 MiB body limit and the default batch cap.
     *
     * @param observer told (method, success) after each call, for metrics
     */
    public JsonRpc(ChainState state, ViewPool views, BiConsumer<String, Boolean> observer) {
        this(state, views, observer, new Limits(32 << 20, Limits.DEFAULT_MAX_BATCH_SIZE));
    }

    /**
     * @param observer told (method, success) after each call, for metrics
     */
    public JsonRpc(ChainState state, ViewPool views, BiConsumer<String, Boolean> observer, Limits limits) {
        this(state, views, (Observer) (method, ok, nanos) -> observer.accept(method, ok), limits);
    }

    /**
     * @param observer told (method, success, duration) after each call, for metrics
     */
    public JsonRpc(ChainState state, ViewPool views, Observer observer, Limits limits) {
        this.state = state;
        this.views = views;
        this.observer = observer;
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(Math.max(limits.maxBodyBytes(), StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                        .build())
                .build();
        this.json = new ObjectMapper(factory);
    }

    /** The parser's cap on one JSON string, in chars: never below the body limit. */
    public int maxStringLength() {
        return json.getFactory().streamReadConstraints().getMaxStringLength();
    }

    /** One call's context: the request id for the log and the client, and whether the client has gone. */
    private record Call(String id, BooleanSupplier gone) {}

    /** A method failure with the original's message text. */
    static final class RpcError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;
        /** The full text for the log when the message was scrubbed, else null. */
        final String detail;

        RpcError(int code, String message, String detail) {
            super(message, null, false, false);
            this.code = code;
            this.detail = detail;
        }

        RpcError(int code, String message) {
            this(code, message, null);
        }

        RpcError(String message) {
            this(SERVER_ERROR, message);
        }
    }

    /** Handles one HTTP request body. */
    public byte[] handle(byte[] body) {
        return handle(body, () -> false);
    }

    /**
     * Handles one HTTP request body.
     *
     * @param gone whether the client has gone away: a batch stops there, and a request still waiting for a view
     *     instance stops waiting
     */
    public byte[] handle(byte[] body, BooleanSupplier gone) {
        Call call = new Call(idPrefix + "-" + requests.incrementAndGet(), gone);
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (JsonProcessingException e) {
            LOG.log(Level.DEBUG, "request {0}: not JSON: {1}", call.id(), e.getMessage());
            return write(error(NullNode.instance, PARSE_ERROR, "Parse error: " + scrub(e.getOriginalMessage())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (request != null && request.isArray()) {
            if (request.isEmpty()) {
                return write(error(NullNode.instance, INVALID_REQUEST, "Invalid Request: empty batch"));
            }
            if (request.size() > limits.maxBatchSize()) {
                return write(error(
                        NullNode.instance,
                        INVALID_REQUEST,
                        "Invalid Request: a batch of " + request.size() + " requests; the limit is "
                                + limits.maxBatchSize()));
            }
            ArrayNode responses = NODES.arrayNode();
            int done = 0;
            for (JsonNode one : request) {
                if (gone.getAsBoolean()) {
                    LOG.log(
                            Level.INFO,
                            "request {0}: the client has gone; {1} of the batch''s {2} calls not run",
                            call.id(),
                            request.size() - done,
                            request.size());
                    break;
                }
                responses.add(single(one, call));
                done++;
            }
            return write(responses);
        }
        return write(single(request, call));
    }

    /** The response body for a request that could not be read (too large, wrong HTTP method). */
    public static byte[] errorBody(int code, String message) {
        return write(error(NullNode.instance, code, message));
    }

    private static byte[] write(JsonNode node) {
        try {
            return WRITER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectNode single(JsonNode request, Call call) {
        if (request == null || !request.isObject()) {
            return error(NullNode.instance, INVALID_REQUEST, "Invalid Request: expected a JSON-RPC request object");
        }
        JsonNode id = request.has("id") ? request.get("id") : NullNode.instance;
        JsonNode methodNode = request.get("method");
        if (methodNode == null || !methodNode.isTextual()) {
            return error(id, INVALID_REQUEST, "Invalid Request: no method");
        }
        String method = methodNode.asText();
        JsonNode params = request.get("params");
        if (params == null || params.isNull()) {
            params = NODES.arrayNode();
        }
        long start = System.nanoTime();
        try {
            JsonNode result = call(method, params, call);
            observer.called(method, true, System.nanoTime() - start);
            ObjectNode response = NODES.objectNode();
            response.set("id", id);
            response.put("jsonrpc", "2.0");
            response.set("result", result);
            return response;
        } catch (RpcError e) {
            observer.called(method, false, System.nanoTime() - start);
            if (e.detail != null) {
                LOG.log(Level.INFO, "request {0}: {1} failed: {2}", call.id(), method, e.detail);
                return error(id, e.code, e.getMessage(), call.id());
            }
            return error(id, e.code, e.getMessage());
        } catch (JshrewException e) {
            observer.called(method, false, System.nanoTime() - start);
            LOG.log(Level.WARNING, "request " + call.id() + ": " + method + " failed: " + e.getMessage(), e);
            String message = e instanceof ViewPool.Busy
                    ? "Generic error: " + e.getMessage()
                    : e.code() == ErrorCode.STORAGE
                            ? "Storage error: the database could not be read (request " + call.id() + ")"
                            : "Generic error: the call failed (request " + call.id() + ")";
            return error(id, SERVER_ERROR, message, call.id());
        } catch (RuntimeException e) {
            observer.called(method, false, System.nanoTime() - start);
            LOG.log(Level.ERROR, "request " + call.id() + ": " + method + " failed unexpectedly", e);
            return error(id, SERVER_ERROR, "Generic error: internal error (request " + call.id() + ")", call.id());
        }
    }

    private static final Pattern PATH = Pattern.compile("(?<![\\w.])(?:file:)?/[^\\s'\"`,;)\\]}]*");
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:\\.[\\w$<>]+)*(?:\\(\\))?");
    private static final Pattern SIMPLE_THROWABLE = Pattern.compile("\\b[A-Z][\\w$]*(?:Exception|Error)\\b");
    private static final Pattern QUOTED_CODE = Pattern.compile("`[^`]*`");

    /**
     * A server text made safe for a client: absolute paths, Java class and member names and names of exceptions
     * are replaced by placeholders. The full text goes to the log.
     */
    static String scrub(String text) {
        if (text == null) {
            return "";
        }
        String s = QUOTED_CODE.matcher(text).replaceAll("<internal>");
        s = CLASS_NAME.matcher(s).replaceAll("<internal>");
        s = SIMPLE_THROWABLE.matcher(s).replaceAll("<internal>");
        return PATH.matcher(s).replaceAll("<path>");
    }

    /** A client's own text, cut to {@link #ECHO_CHARS} for an error message. */
    static String echo(String text) {
        return text.length() <= ECHO_CHARS ? text : text.substring(0, ECHO_CHARS) + "…";
    }

    /** An error with {@code data.request_id}, keys in alphabetical order as every response. */
    private static ObjectNode error(JsonNode id, int code, String message, String requestId) {
        ObjectNode response = NODES.objectNode();
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.putObject("data").put("request_id", requestId);
        error.put("message", message);
        response.set("id", id);
        response.put("jsonrpc", "2.0");
        return response;
    }

    private static ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode response = NODES.objectNode();
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", message);
        response.set("id", id);
        response.put("jsonrpc", "2.0");
        return response;
    }

    private JsonNode call(String method, JsonNode params, Call call) {
        if (!METHODS.contains(method)) {
            throw new RpcError("Generic error: Method not found");
        }
        if (!params.isArray()) {
            throw invalidParams(method + " takes an array of parameters");
        }
        return switch (method) {
            case "metashrew_view" -> view(params, call);
            case "metashrew_preview" -> preview(params, call);
            case "metashrew_height" -> {
                count(params, "metashrew_height", "[]", 0, 0);
                yield NODES.textNode(Long.toString(state.latest()));
            }
            case "metashrew_getblockhash" -> blockHash(params);
            case "metashrew_stateroot" -> stateRoot(params);
            default -> {
                count(params, "metashrew_snapshot", "[]", 0, 0);
                yield snapshot();
            }
        };
    }

    private static RpcError invalidParams(String why) {
        return new RpcError(INVALID_PARAMS, "Invalid params: " + why);
    }

    /** Checks the number of params. */
    private static void count(JsonNode params, String method, String usage, int min, int max) {
        if (params.size() < min || params.size() > max) {
            throw invalidParams(method + " takes " + usage + ", not " + params.size() + " parameter"
                    + (params.size() == 1 ? "" : "s"));
        }
    }

    private static String text(JsonNode params, int index, String method, String usage) {
        JsonNode p = params.get(index);
        if (p == null || !p.isTextual()) {
            throw invalidParams(method + " takes " + usage + "; parameter " + (index + 1)
                    + (p == null ? " is missing" : " must be a string, not " + kind(p)));
        }
        return p.asText();
    }

    /** A JSON value's type, for messages (never the value: it is the client's and may be large). */
    private static String kind(JsonNode p) {
        return switch (p.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "null";
            case NUMBER -> p.isIntegralNumber() ? "an integer" : "a fraction";
            case STRING, BINARY -> "a string";
        };
    }

    private static byte[] hex(String text, String what) {
        try {
            return Hashes.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new RpcError("Serialization error: Invalid " + what + ": " + echo(scrub(e.getMessage())));
        }
    }

    /**
     * The height param rules of §6.2: missing, null or "latest" is the tip; else a decimal u32 string (text after ':'
     * ignored, a leading '+' allowed) or a JSON integer 0…2³²-1; anything else (a fraction, a boolean, an array, an
     * object) is invalid.
     */
    private long height(JsonNode p) {
        if (p == null || p.isNull()) {
            return state.latest();
        }
        if (!p.isTextual() && !p.isNumber()) {
            throw new RpcError("Serialization error: Invalid height: " + kind(p) + " (expected a string or a number)");
        }
        String text = p.asText();
        if (text.equals("latest")) {
            return state.latest();
        }
        String head = text.contains(":") ? text.substring(0, text.indexOf(':')) : text;
        String digits = head.startsWith("+") ? head.substring(1) : head;
        if (digits.isEmpty()
                || digits.length() > 10
                || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(digits) > 0xFFFF_FFFFL) {
            throw new RpcError("Serialization error: Invalid height: " + echo(text));
        }
        return Long.parseLong(digits);
    }

    private JsonNode view(JsonNode params, Call call) {
        String usage = "[function, inputHex, height?]";
        count(params, "metashrew_view", usage, 2, 3);
        String function = text(params, 0, "metashrew_view", usage);
        byte[] input = hex(text(params, 1, "metashrew_view", usage), "hex input");
        return state.read(() -> {
            long height = height(params.get(2));
            try {
                return result(views.with(r -> r.view(function, input, height), call.gone()));
            } catch (GuestCallException e) {
                throw viewError("View function failed", function, e);
            }
        });
    }

    private JsonNode preview(JsonNode params, Call call) {
        String usage = "[blockHex, function, inputHex, height?]";
        count(params, "metashrew_preview", usage, 3, 4);
        byte[] block = hex(text(params, 0, "metashrew_preview", usage), "hex block data");
        String function = text(params, 1, "metashrew_preview", usage);
        byte[] input = hex(text(params, 2, "metashrew_preview", usage), "hex input");
        return state.read(() -> {
            long height = height(params.get(3));
            if (height >= 0xFFFF_FFFFL) {
                throw new RpcError(
                        "Serialization error: Invalid height: " + height + " (a preview indexes at height + 1)");
            }
            try {
                return result(views.with(r -> r.preview(block, function, input, height), call.gone()));
            } catch (GuestCallException e) {
                throw viewError("Preview function failed", function, e);
            }
        });
    }

    private static RpcError viewError(String what, String function, GuestCallException e) {
        String fn = echo(function);
        if (e.stage() == GuestCallException.Stage.VIEW_MISSING) {
            return new RpcError("View function error: " + what + ": Failed to get view function '" + fn + "'");
        }
        String safe = scrub(e.getMessage());
        return new RpcError(
                SERVER_ERROR,
                "View function error: " + what + ": Failed to execute view function '" + fn + "': " + safe,
                e.getMessage());
    }

    private static JsonNode result(byte[] bytes) {
        return NODES.textNode("0x" + Hashes.hex(bytes));
    }

    private JsonNode blockHash(JsonNode params) {
        String usage = "[height]: one JSON integer 0…4294967295";
        count(params, "metashrew_getblockhash", usage, 1, 1);
        JsonNode p = params.get(0);
        if (!p.isIntegralNumber() || !p.canConvertToLong() || p.asLong() < 0 || p.asLong() > 0xFFFF_FFFFL) {
            throw invalidParams("metashrew_getblockhash takes " + usage + "; parameter 1 is "
                    + (p.isIntegralNumber() ? "out of range" : kind(p)));
        }
        long height = p.asLong();
        ChainIndex chain = state.chain();
        return state.read(() -> chain.blockHash(height)
                .map(JsonRpc::result)
                .orElseThrow(() -> new RpcError("Storage error: Block hash not found for height " + height)));
    }

    private JsonNode stateRoot(JsonNode params) {
        count(params, "metashrew_stateroot", "[height?]", 0, 1);
        return state.read(() -> {
            long height = height(params.get(0));
            return result(StateRoot.atOrBelow(state.chain(), height)
                    .orElseThrow(() -> new RpcError("Storage error: State root not found for height " + height)));
        });
    }

    private JsonNode snapshot() {
        long tip = state.tip();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("blocks_synced_from_snapshots", 0);
        info.put("blocks_synced_normally", state.blocksThisRun());
        info.put("current_height", tip + 1);
        info.put("enabled", true);
        info.put("indexed_height", Math.max(0, tip));
        info.put("last_snapshot_height", 0);
        info.put("snapshots_applied", 0);
        info.put("snapshots_created", 0);
        info.put("storage_size_bytes", null);
        info.put("sync_mode", "Normal");
        info.put("total_entries", 0);
        try {
            return NODES.textNode(WRITER.writeValueAsString(info));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
