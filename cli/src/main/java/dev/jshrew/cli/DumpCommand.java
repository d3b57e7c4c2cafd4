package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.StateRoot;
import java.io.PrintStream;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "dump",
        description = "Print the canonical dump of one block: `hex(key) hex(value)` per key it wrote "
                + "(sorted by unsigned key bytes), then `sha256 DIGEST`.")
final class DumpCommand implements Callable<Integer> {
    @Mixin
    DatabaseDir database;

    @Option(names = "--height", required = true, paramLabel = "H", description = "the block to dump")
    long height;

    @Override
    public Integer call() {
        try (KeyValueStore store = EngineArgs.openStoreReadOnly(database.db)) {
            if (store.blockHash(height).isEmpty()) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "height " + height + " is not indexed in " + database.db + " (tip: "
                                + (store.tip().isPresent() ? store.tip().getAsLong() : "none") + ")");
            }
            NavigableMap<byte[], byte[]> writes = store.blockWrites(height);
            PrintStream out = new PrintStream(
                    new java.io.BufferedOutputStream(System.out, 1 << 16),
                    false,
                    java.nio.charset.StandardCharsets.US_ASCII);
            for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
                out.append(Hashes.hex(e.getKey()))
                        .append(' ')
                        .append(Hashes.hex(e.getValue()))
                        .append('\n');
            }
            out.append("sha256 ").append(Hashes.hex(StateRoot.digest(writes))).append('\n');
            out.flush();
        }
        return 0;
    }
}
