/**
 * The metashrew node: chain sources (bitcoind, fixed block sets), the sync loop with reorgs, the JSON-RPC server
 * and its view pool, Prometheus metrics and progress display.
 */
module dev.jshrew.node {
    requires transitive dev.jshrew.host;
    requires java.net.http;
    // transitive: the test fixtures compiled into this module (RpcClient, shared with cli's tests) expose JSON trees
    requires transitive com.fasterxml.jackson.databind;
    requires org.eclipse.jetty.server;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    requires io.prometheus.metrics.instrumentation.jvm;
    requires me.tongfei.progressbar;

    exports dev.jshrew.node.chain;
    exports dev.jshrew.node.sync;
    exports dev.jshrew.node.rpc;
    exports dev.jshrew.node.metrics;
    exports dev.jshrew.node.progress;
    exports dev.jshrew.node.snapshot;
}
