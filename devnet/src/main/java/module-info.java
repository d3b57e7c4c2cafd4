/**
 * A bitcoind-compatible chain for development and tests: consensus serialization of blocks and transactions
 * ({@code consensus}), a JSON-RPC server over a directory of block files with reorgs, and the synthesizer of long
 * chains from real transactions.
 */
module dev.jshrew.devnet {
    requires dev.jshrew.api;
    requires com.fasterxml.jackson.databind;
    requires jdk.httpserver;
    requires java.logging;

    exports dev.jshrew.devnet;
    exports dev.jshrew.devnet.consensus;
}
