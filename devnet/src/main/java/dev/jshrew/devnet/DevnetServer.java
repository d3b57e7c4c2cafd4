package dev.jshrew.devnet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.devnet.consensus.Block;
import dev.jshrew.devnet.consensus.Hash256;
import dev.jshrew.devnet.consensus.Tx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * bitcoind's JSON-RPC over a {@link DevnetChain}, on the JDK's HTTP server: {@code getblockcount},
 * {@code getbestblockhash}, {@code getblockhash}, {@code getblock} (verbosity 0 and 1), {@code getblockheader},
 * {@code getblockchaininfo}, {@code getnetworkinfo}, and the admin call {@code devnet_reorg [depth]}.
 *
 * <p>As bitcoind (since 28.0) answers: a JSON-RPC 2.0 request gets HTTP 200 with either {@code result} or
 * {@code error}; a 1.0 request (or one without {@code jsonrpc}) gets {@code result} and {@code error} both, and on an
 * error HTTP 500 (404 for an unknown method, 400 for an invalid request); a batch gets HTTP 200; a 2.0 notification
 * 204. A request without the right credentials gets 401 with {@code WWW-Authenticate: Basic realm="jsonrpc"}, a
 * non-POST 405. Error codes and texts are bitcoind's: -8 "Block height out of range", -5 "Block not found", -32601
 * "Method not found", -32700 "Parse error". Thread-safe.
 */
public final class DevnetServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DevnetServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static final int RPC_MISC_ERROR = -1;
    static final int RPC_TYPE_ERROR = -3;
    static final int RPC_INVALID_ADDRESS_OR_KEY = -5;
    static final int RPC_INVALID_PARAMETER = -8;
    static final int RPC_INVALID_REQUEST = -32600;
    static final int RPC_METHOD_NOT_FOUND = -32601;
    static final int RPC_PARSE_ERROR = -32700;

    private final DevnetChain chain;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<byte[]> credentials;
    private final Path cookieFile;

    /** A JSON-RPC error to answer with. */
    static final class RpcError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;

        RpcError(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /**
     * Starts serving.
     *
     * @param userPass {@code USER:PASS} for Basic auth, or null
     * @param cookieFile where to write a fresh {@code __cookie__:HEX} (deleted on close), or null
     */
    public static DevnetServer start(DevnetChain chain, String host, int port, String userPass, Path cookieFile) {
        try {
            return new DevnetServer(chain, host, port, userPass, cookieFile);
        } catch (IOException e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "cannot serve on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private DevnetServer(DevnetChain chain, String host, int port, String userPass, Path cookieFile)
            throws IOException {
        this.chain = chain;
        this.credentials = new ArrayList<>();
        if (userPass != null) {
            if (!userPass.contains(":")) {
                throw new JshrewException(ErrorCode.INPUT, "--auth must be USER:PASS");
            }
            credentials.add(basic(userPass));
        }
        this.cookieFile = cookieFile;
        if (cookieFile != null) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            String cookie = "__cookie__:" + HexFormat.of().formatHex(secret);
            writeCookie(cookieFile, cookie);
            credentials.add(basic(cookie));
        }
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    private static void writeCookie(Path file, String cookie) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, cookie, StandardCharsets.US_ASCII);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static byte[] basic(String userPass) {
        return ("Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.UTF_8);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://HOST:PORT/}. */
    public URI url() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + port() + "/");
    }

    public DevnetChain chain() {
        return chain;
    }

    private boolean authorized(HttpExchange exchange) {
        if (credentials.isEmpty()) {
            return true;
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given == null) {
            return false;
        }
        byte[] g = given.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] c : credentials) {
            ok |= MessageDigest.isEqual(c, g);
        }
        return ok;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/") && !path.startsWith("/wallet/")) {
                send(exchange, 404, new byte[0], null);
                return;
            }
            if (!exchange.getRequestMethod().equals("POST")) {
                send(
                        exchange,
                        405,
                        "JSONRPC server handles only POST requests".getBytes(StandardCharsets.UTF_8),
                        "text/html");
                return;
            }
            if (!authorized(exchange)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
                send(exchange, 401, new byte[0], null);
                return;
            }
            JsonNode request;
            try (InputStream in = exchange.getRequestBody()) {
                request = JSON.readTree(in);
            } catch (JsonProcessingException e) {
                request = null;
            }
            if (request != null && request.isArray()) {
                ArrayNode replies = NODES.arrayNode();
                for (JsonNode item : request) {
                    Reply r = answer(item);
                    if (r.body != null) {
                        replies.add(r.body);
                    }
                }
                sendJson(exchange, 200, replies);
                return;
            }
            if (request == null || !request.isObject()) {
                Reply r = errorReply(
                        false, null, RPC_PARSE_ERROR, request == null ? "Parse error" : "Top-level object parse error");
                sendJson(exchange, r.status, r.body);
                return;
            }
            Reply r = answer(request);
            if (r.body == null) {
                send(exchange, 204, new byte[0], null);
            } else {
                sendJson(exchange, r.status, r.body);
            }
        } catch (IOException | RuntimeException e) {
            LOG.fine(() -> "devnet: request failed: " + e);
        }
    }

    private record Reply(int status, ObjectNode body) {}

    private Reply answer(JsonNode request) {
        boolean v2 = request.isObject() && "2.0".equals(request.path("jsonrpc").asText(null));
        JsonNode id = request.isObject() ? request.get("id") : null;
        try {
            if (!request.isObject()) {
                throw new RpcError(RPC_INVALID_REQUEST, "Invalid Request object");
            }
            JsonNode method = request.get("method");
            if (method == null || method.isNull()) {
                throw new RpcError(RPC_INVALID_REQUEST, "Missing method");
            }
            if (!method.isTextual()) {
                throw new RpcError(RPC_INVALID_REQUEST, "Method must be a string");
            }
            JsonNode params = request.get("params");
            if (params != null && !params.isNull() && !params.isArray() && !params.isObject()) {
                throw new RpcError(RPC_INVALID_REQUEST, "Params must be an array or object");
            }
            JsonNode result = call(method.asText(), params == null || params.isNull() ? NODES.arrayNode() : params);
            if (v2 && id == null) {
                return new Reply(204, null); // a notification
            }
            ObjectNode body = NODES.objectNode();
            if (v2) {
                body.put("jsonrpc", "2.0");
            }
            body.set("result", result);
            if (!v2) {
                body.putNull("error");
            }
            body.set("id", id == null ? NODES.nullNode() : id);
            return new Reply(200, body);
        } catch (RpcError e) {
            return errorReply(v2, id, e.code, e.getMessage());
        }
    }

    private static Reply errorReply(boolean v2, JsonNode id, int code, String message) {
        ObjectNode body = NODES.objectNode();
        if (v2) {
            body.put("jsonrpc", "2.0");
        } else {
            body.putNull("result");
        }
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        body.set("id", id == null ? NODES.nullNode() : id);
        int status = v2 ? 200 : code == RPC_INVALID_REQUEST ? 400 : code == RPC_METHOD_NOT_FOUND ? 404 : 500;
        return new Reply(status, body);
    }

    /** One call; {@link RpcError} for bitcoind's errors. */
    JsonNode call(String method, JsonNode params) {
        return switch (method) {
            case "getblockcount" -> {
                args(params, method, 0, 0);
                yield NODES.numberNode(chain.tip());
            }
            case "getbestblockhash" -> {
                args(params, method, 0, 0);
                yield NODES.textNode(chain.at(chain.tip()).orElseThrow().displayHash());
            }
            case "getblockhash" -> {
                args(params, method, 1, 1);
                long height = integer(param(params, 0, "height"), "height");
                yield NODES.textNode(chain.at(height)
                        .orElseThrow(() -> new RpcError(RPC_INVALID_PARAMETER, "Block height out of range"))
                        .displayHash());
            }
            case "getblock" -> {
                args(params, method, 1, 2);
                DevnetChain.Entry e = entry(param(params, 0, "blockhash"));
                JsonNode v = param(params, 1, "verbosity");
                long verbosity =
                        v == null || v.isNull() ? 1 : v.isBoolean() ? (v.asBoolean() ? 1 : 0) : integer(v, "verbosity");
                byte[] bytes = chain.fetch(e);
                if (verbosity <= 0) {
                    yield NODES.textNode(HexFormat.of().formatHex(bytes));
                }
                if (verbosity > 1) {
                    throw new RpcError(RPC_INVALID_PARAMETER, "devnet serves getblock with verbosity 0 or 1 only");
                }
                yield blockJson(e, Block.parse(bytes));
            }
            case "getblockheader" -> {
                args(params, method, 1, 2);
                DevnetChain.Entry e = entry(param(params, 0, "blockhash"));
                JsonNode v = param(params, 1, "verbose");
                if (v != null && !v.isNull() && !v.isBoolean()) {
                    throw new RpcError(
                            RPC_TYPE_ERROR, "JSON value of type " + type(v) + " is not of expected type bool");
                }
                if (v != null && !v.isNull() && !v.asBoolean()) {
                    yield NODES.textNode(HexFormat.of().formatHex(e.header()));
                }
                yield headerJson(e);
            }
            case "getblockchaininfo" -> {
                args(params, method, 0, 0);
                DevnetChain.Entry t = chain.at(chain.tip()).orElseThrow();
                ObjectNode o = NODES.objectNode();
                o.put("chain", "regtest");
                o.put("blocks", t.height());
                o.put("headers", t.height());
                o.put("bestblockhash", t.displayHash());
                o.put("difficulty", difficulty(t.parsedHeader().bits()));
                o.put("time", Integer.toUnsignedLong(t.parsedHeader().time()));
                o.put("mediantime", chain.medianTime(t));
                o.put("verificationprogress", 1.0);
                o.put("initialblockdownload", false);
                o.put("pruned", false);
                o.put("warnings", "");
                yield o;
            }
            case "getnetworkinfo" -> {
                args(params, method, 0, 0);
                ObjectNode o = NODES.objectNode();
                o.put("version", 280000);
                o.put("subversion", "/jshrew-devnet/");
                o.put("protocolversion", 70016);
                o.put("localrelay", false);
                o.put("networkactive", false);
                o.put("connections", 0);
                o.putArray("networks");
                o.put("relayfee", 0.00001);
                o.putArray("localaddresses");
                o.put("warnings", "");
                yield o;
            }
            case "devnet_reorg" -> {
                args(params, method, 0, 1);
                JsonNode d = param(params, 0, "depth");
                long depth = d == null || d.isNull() ? 1 : integer(d, "depth");
                DevnetChain.Reorg r;
                try {
                    r = chain.reorg((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, depth)));
                } catch (IllegalArgumentException e) {
                    throw new RpcError(RPC_INVALID_PARAMETER, e.getMessage());
                }
                LOG.info(() -> "devnet: reorg replaced " + r.forkHeight() + "…" + r.oldTip() + ", new tip " + r.newTip()
                        + " " + r.newTipHash());
                ObjectNode o = NODES.objectNode();
                o.put("fork_height", r.forkHeight());
                o.put("old_tip", r.oldTip());
                o.put("new_tip", r.newTip());
                o.put("branch", r.branch());
                o.put("new_tip_hash", r.newTipHash());
                yield o;
            }
            default -> throw new RpcError(RPC_METHOD_NOT_FOUND, "Method not found");
        };
    }

    private static void args(JsonNode params, String method, int min, int max) {
        int n = params.isArray() ? params.size() : -1;
        if (n >= 0 && (n < min || n > max)) {
            throw new RpcError(
                    RPC_MISC_ERROR,
                    method + ": takes " + (min == max ? "" + min : min + " to " + max) + " parameters, got " + n);
        }
        if (n < 0) {
            for (var it = params.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!NAMES.contains(name)) {
                    throw new RpcError(RPC_MISC_ERROR, "Unknown named parameter " + name);
                }
            }
        }
    }

    private static final List<String> NAMES = List.of("height", "blockhash", "verbosity", "verbose", "depth");

    private static JsonNode param(JsonNode params, int index, String name) {
        return params.isArray() ? params.get(index) : params.get(name);
    }

    private static long integer(JsonNode v, String name) {
        if (v == null || v.isNull()) {
            throw new RpcError(RPC_MISC_ERROR, "missing required parameter " + name);
        }
        if (!v.isNumber()) {
            throw new RpcError(RPC_TYPE_ERROR, "JSON value of type " + type(v) + " is not of expected type number");
        }
        if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
            throw new RpcError(RPC_TYPE_ERROR, "JSON integer out of range");
        }
        return v.asLong();
    }

    private static String type(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "bool";
            case ARRAY -> "array";
            case OBJECT -> "object";
            default -> "null";
        };
    }

    private DevnetChain.Entry entry(JsonNode hash) {
        if (hash == null || hash.isNull()) {
            throw new RpcError(RPC_MISC_ERROR, "missing required parameter blockhash");
        }
        if (!hash.isTextual()) {
            throw new RpcError(RPC_TYPE_ERROR, "JSON value of type " + type(hash) + " is not of expected type string");
        }
        String s = hash.asText();
        if (s.length() != 64) {
            throw new RpcError(
                    RPC_INVALID_PARAMETER, "blockhash must be of length 64 (not " + s.length() + ", for '" + s + "')");
        }
        if (!s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new RpcError(RPC_INVALID_PARAMETER, "blockhash must be hexadecimal string (not '" + s + "')");
        }
        return chain.byHash(s.toLowerCase(java.util.Locale.ROOT))
                .orElseThrow(() -> new RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found"));
    }

    private ObjectNode headerJson(DevnetChain.Entry e) {
        Block.Header h = e.parsedHeader();
        ObjectNode o = NODES.objectNode();
        o.put("hash", e.displayHash());
        long tip = chain.tip();
        o.put("confirmations", chain.isActive(e) ? tip - e.height() + 1 : -1);
        o.put("height", e.height());
        o.put("version", h.version());
        o.put("versionHex", String.format("%08x", h.version()));
        o.put("merkleroot", Hash256.display(h.merkleRoot()));
        o.put("time", Integer.toUnsignedLong(h.time()));
        o.put("mediantime", chain.medianTime(e));
        o.put("nonce", Integer.toUnsignedLong(h.nonce()));
        o.put("bits", String.format("%08x", h.bits()));
        o.put("difficulty", difficulty(h.bits()));
        if (e.height() > chain.first() || !java.util.Arrays.equals(h.prevHash(), new byte[32])) {
            o.put("previousblockhash", Hash256.display(h.prevHash()));
        }
        chain.next(e).ifPresent(n -> o.put("nextblockhash", n.displayHash()));
        return o;
    }

    private ObjectNode blockJson(DevnetChain.Entry e, Block b) {
        ObjectNode o = headerJson(e);
        long[] sizes = b.sizes();
        o.put("nTx", b.txs().size());
        o.put("size", sizes[0]);
        o.put("strippedsize", sizes[1]);
        o.put("weight", sizes[2]);
        ArrayNode txs = o.putArray("tx");
        for (Tx tx : b.txs()) {
            txs.add(Hash256.display(tx.txid()));
        }
        return o;
    }

    /** bitcoind's GetDifficulty: the work of {@code bits} relative to difficulty 1 ({@code 0x1d00ffff}). */
    static double difficulty(int bits) {
        int shift = (bits >>> 24) & 0xff;
        double diff = (double) 0x0000ffff / (double) (bits & 0x00ffffff);
        while (shift < 29) {
            diff *= 256.0;
            shift++;
        }
        while (shift > 29) {
            diff /= 256.0;
            shift--;
        }
        return diff;
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        byte[] withNewline = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        withNewline[bytes.length] = '\n';
        send(exchange, status, withNewline, "application/json");
    }

    private static void send(HttpExchange exchange, int status, byte[] body, String type) throws IOException {
        if (type != null) {
            exchange.getResponseHeaders().set("Content-Type", type);
        }
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
        executor.shutdownNow();
        if (cookieFile != null) {
            try {
                Files.deleteIfExists(cookieFile);
            } catch (IOException e) {
                LOG.warning(() -> "devnet: cannot delete the cookie file " + cookieFile + ": " + e);
            }
        }
    }
}
