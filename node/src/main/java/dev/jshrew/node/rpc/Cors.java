package dev.jshrew.node.rpc;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which browser origins may call the JSON-RPC endpoint (rockshrew-mono's {@code --cors}, METASHREW-ABI §6.4):
 * {@code *} allows any origin, otherwise a comma-separated list of exact origins ({@code scheme://host[:port]},
 * compared case-insensitively, a trailing {@code /} ignored). The original's default allows
 * {@value #DEFAULT_ORIGIN} only. A request from an allowed origin gets {@code Access-Control-Allow-Origin}; one from
 * any other origin gets no CORS header at all, so the browser refuses it. Immutable.
 *
 * @param any whether every origin is allowed ({@code *})
 * @param origins the allowed origins, lower case, when not {@code any}
 */
public record Cors(boolean any, List<String> origins) {
    /** rockshrew-mono's default allowed origin. */
    public static final String DEFAULT_ORIGIN = "http://localhost:8080";

    /** How long a browser may cache a preflight answer, in seconds. */
    public static final int MAX_AGE_SECONDS = 3600;

    /** The methods a preflight allows. */
    public static final String ALLOWED_METHODS = "POST, OPTIONS";

    /** The request headers a preflight allows when the browser names none. */
    public static final String ALLOWED_HEADERS = "Content-Type";

    /** No origin allowed: no CORS header is ever sent (what {@link RpcServer} does unless told otherwise). */
    public static final Cors NONE = new Cors(false, List.of());

    public Cors {
        origins = List.copyOf(origins);
    }

    /** The original's default: {@value #DEFAULT_ORIGIN}. */
    public static Cors defaults() {
        return parse(DEFAULT_ORIGIN);
    }

    /**
     * Parses {@code --cors}: {@code *}, or origins separated by commas (spaces around them ignored).
     *
     * @throws IllegalArgumentException for an empty list or an origin that is not {@code scheme://host[:port]}
     */
    public static Cors parse(String text) {
        String t = text.strip();
        if (t.equals("*")) {
            return new Cors(true, List.of());
        }
        List<String> list = Arrays.stream(t.split(",", -1))
                .map(String::strip)
                .map(Cors::normalise)
                .toList();
        if (list.isEmpty() || list.contains("")) {
            throw new IllegalArgumentException(
                    "--cors takes * or a comma-separated list of origins, not '" + text + "'");
        }
        for (String origin : list) {
            int scheme = origin.indexOf("://");
            if (scheme <= 0 || scheme + 3 >= origin.length() || origin.indexOf('/', scheme + 3) >= 0) {
                throw new IllegalArgumentException("--cors: '" + origin
                        + "' is not an origin (scheme://host[:port], e.g. " + DEFAULT_ORIGIN + ")");
            }
        }
        return new Cors(false, list);
    }

    private static String normalise(String origin) {
        String o = origin.toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    /**
     * The {@code Access-Control-Allow-Origin} value for a request's {@code Origin} header: {@code *} when any origin
     * is allowed, the origin itself when it is listed, nothing otherwise (and for a request without an origin).
     */
    public Optional<String> allowOrigin(String origin) {
        if (origin == null || origin.isEmpty()) {
            return Optional.empty();
        }
        if (any) {
            return Optional.of("*");
        }
        return origins.contains(normalise(origin)) ? Optional.of(origin) : Optional.empty();
    }

    /** What {@code --cors} would print this as. */
    @Override
    public String toString() {
        return any ? "*" : String.join(",", origins);
    }
}
