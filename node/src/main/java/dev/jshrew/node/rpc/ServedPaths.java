package dev.jshrew.node.rpc;

import java.util.List;

/**
 * The HTTP paths a node serves, in one place: what deployment manifests (probes, scrape configs) may point at, and
 * what {@code deploy/kubernetes}'s test checks them against. Handlers that serve a path name it from here.
 *
 * <p>{@link #HEALTHZ}, {@link #READYZ} and {@link #SNAPSHOTS_LATEST} are the paths of the health endpoints and of
 * the snapshot repository ({@code serve --repo}, issue 14); they are named here so that the handlers serving them
 * and the manifests share one spelling.
 */
public final class ServedPaths {
    /** metashrew's JSON-RPC: {@code POST /} on the JSON-RPC port. */
    public static final String JSON_RPC = "/";

    /** Prometheus metrics on the metrics port ({@code --metrics-port}). */
    public static final String METRICS = "/metrics";

    /** Liveness: the process runs and answers. */
    public static final String HEALTHZ = "/healthz";

    /** Readiness: caught up within {@code --ready-max-lag} blocks. */
    public static final String READYZ = "/readyz";

    /** The newest snapshot's manifest, for nodes bootstrapping with {@code --repo}. */
    public static final String SNAPSHOTS_LATEST = "/snapshots/latest";

    /** What the JSON-RPC port ({@code --port}) serves. */
    public static final List<String> RPC_PORT = List.of(JSON_RPC, SNAPSHOTS_LATEST);

    /** What the metrics port ({@code --metrics-port}) serves: metrics and the probes, kept off the public port. */
    public static final List<String> METRICS_PORT = List.of(METRICS, HEALTHZ, READYZ);

    /** Every path above. */
    public static final List<String> ALL = List.of(JSON_RPC, METRICS, HEALTHZ, READYZ, SNAPSHOTS_LATEST);

    private ServedPaths() {}
}
