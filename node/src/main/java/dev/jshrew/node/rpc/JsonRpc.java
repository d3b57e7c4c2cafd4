package dev.jshrew.node.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.function.BiConsumer;

/**
 * metashrew's JSON-RPC methods (METASHREW-ABI §6) over one store and a {@link ViewPool}, without the transport:
 * {@link #handle} takes a request body and returns the response body. Thread-safe; views run on the pool's
 * instances, never on the indexer's, and under {@link ChainState#read} so no rollback runs beneath them.
 *
 * <p>As the original: errors are HTTP 200 with {@code {"error":{"code":-32000,"message":…},"id":…,"jsonrpc":"2.0"}}
 * and the original's message texts; keys are in alphabetical order; {@code id} is echoed ({@code null} if missing);
 * {@code jsonrpc} is not checked. Beyond the original (it panics or answers with plain HTTP errors): missing or
 * mistyped params are -32000 errors; batches (arrays) get an array of responses; a body that is not JSON is
 * {@code -32700} and a body that is not a request object is {@code -32600}, as JSON-RPC 2.0 says; numeric heights
 * work for {@code metashrew_stateroot} (C-55); {@code metashrew_preview} never writes to the store (C-59, C-60).
 */
public final class JsonRpc {
    private static final System.Logger LOG = System.getLogger(JsonRpc.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** metashrew's one error code. */
    public static final int SERVER_ERROR = -32000;
    /** JSON-RPC 2.0: the body is not JSON. */
    public static final int PARSE_ERROR = -32700;
    /** JSON-RPC 2.0: the JSON is not a request. */
    public static final int INVALID_REQUEST = -32600;

    private final ChainState state;
    private final ViewPool views;
    private final BiConsumer<String, Boolean> observer;

    /**
     * @param observer told (method, success) after each call, for metrics
     */
    public JsonRpc(ChainState state, ViewPool views, BiConsumer<String, Boolean> observer) {
        this.state = state;
        this.views = views;
        this.observer = observer;
    }

    /** A method failure with the original's message text. */
    static final class RpcError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;

        RpcError(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        RpcError(String message) {
            this(SERVER_ERROR, message);
        }
    }

    /** Handles one HTTP request body. */
    public byte[] handle(byte[] body) {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return write(error(NullNode.instance, PARSE_ERROR, "Parse error: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (request != null && request.isArray()) {
            if (request.isEmpty()) {
                return write(error(NullNode.instance, INVALID_REQUEST, "Invalid Request: empty batch"));
            }
            ArrayNode responses = NODES.arrayNode();
            for (JsonNode one : request) {
                responses.add(single(one));
            }
            return write(responses);
        }
        return write(single(request));
    }

    /** The response body for a request that could not be read (too large, wrong HTTP method). */
    public static byte[] errorBody(int code, String message) {
        return write(error(NullNode.instance, code, message));
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectNode single(JsonNode request) {
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
        try {
            JsonNode result = call(method, params);
            observer.accept(method, true);
            ObjectNode response = NODES.objectNode();
            response.set("id", id);
            response.put("jsonrpc", "2.0");
            response.set("result", result);
            return response;
        } catch (RpcError e) {
            observer.accept(method, false);
            return error(id, e.code, e.getMessage());
        } catch (JshrewException e) {
            observer.accept(method, false);
            LOG.log(Level.WARNING, "{0} failed: {1}", method, e.getMessage());
            return error(
                    id,
                    SERVER_ERROR,
                    (e.code() == ErrorCode.STORAGE ? "Storage error: " : "Generic error: ") + e.getMessage());
        } catch (RuntimeException e) {
            observer.accept(method, false);
            LOG.log(Level.ERROR, "{0} failed unexpectedly: {1}", method, e);
            return error(id, SERVER_ERROR, "Generic error: " + e);
        }
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

    private JsonNode call(String method, JsonNode params) {
        if (!params.isArray()) {
            throw new RpcError("Invalid params: " + method + " takes an array of parameters");
        }
        return switch (method) {
            case "metashrew_view" -> view(params);
            case "metashrew_preview" -> preview(params);
            case "metashrew_height" -> NODES.textNode(Long.toString(state.latest()));
            case "metashrew_getblockhash" -> blockHash(params);
            case "metashrew_stateroot" -> stateRoot(params);
            case "metashrew_snapshot" -> snapshot();
            default -> throw new RpcError("Generic error: Method not found");
        };
    }

    private static String text(JsonNode params, int index, String method, String usage) {
        JsonNode p = params.get(index);
        if (p == null || !p.isTextual()) {
            throw new RpcError("Invalid params: " + method + " takes " + usage + "; parameter " + (index + 1)
                    + (p == null ? " is missing" : " must be a string"));
        }
        return p.asText();
    }

    private static byte[] hex(String text, String what) {
        try {
            return Hashes.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new RpcError("Serialization error: Invalid " + what + ": " + e.getMessage());
        }
    }

    /** The height param rules of §6.2: "latest", a decimal u32 string (text after ':' ignored) or a JSON number. */
    private long height(JsonNode p) {
        String text;
        if (p != null && p.isTextual()) {
            text = p.asText();
        } else if (p != null && p.isNumber()) {
            text = p.asText();
        } else {
            return state.latest();
        }
        if (text.equals("latest")) {
            return state.latest();
        }
        String head = text.contains(":") ? text.substring(0, text.indexOf(':')) : text;
        String digits = head.startsWith("+") ? head.substring(1) : head;
        if (digits.isEmpty()
                || digits.length() > 10
                || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(digits) > 0xFFFF_FFFFL) {
            throw new RpcError("Serialization error: Invalid height: " + text);
        }
        return Long.parseLong(digits);
    }

    private JsonNode view(JsonNode params) {
        String usage = "[function, inputHex, height?]";
        String function = text(params, 0, "metashrew_view", usage);
        byte[] input = hex(text(params, 1, "metashrew_view", usage), "hex input");
        return state.read(() -> {
            long height = height(params.get(2));
            try {
                return result(views.with(r -> r.view(function, input, height)));
            } catch (GuestCallException e) {
                throw viewError("View function failed", function, e);
            }
        });
    }

    private JsonNode preview(JsonNode params) {
        String usage = "[blockHex, function, inputHex, height?]";
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
                return result(views.with(r -> r.preview(block, function, input, height)));
            } catch (GuestCallException e) {
                throw viewError("Preview function failed", function, e);
            }
        });
    }

    private static RpcError viewError(String what, String function, GuestCallException e) {
        if (e.stage() == GuestCallException.Stage.VIEW_MISSING) {
            return new RpcError("View function error: " + what + ": Failed to get view function '" + function + "'");
        }
        return new RpcError("View function error: " + what + ": Failed to execute view function '" + function + "': "
                + e.getMessage());
    }

    private static JsonNode result(byte[] bytes) {
        return NODES.textNode("0x" + Hashes.hex(bytes));
    }

    private JsonNode blockHash(JsonNode params) {
        JsonNode p = params.get(0);
        long height = p != null && p.isIntegralNumber() ? p.asLong() : 0;
        ChainIndex chain = state.chain();
        return state.read(() -> chain.blockHash(height)
                .map(JsonRpc::result)
                .orElseThrow(() -> new RpcError("Storage error: Block hash not found for height " + height)));
    }

    private JsonNode stateRoot(JsonNode params) {
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
            return NODES.textNode(JSON.writeValueAsString(info));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
