package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.MemorySize;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Child-JVM entry of {@link WasmtimeMemoryDeterminismTest}: indexes one block of {@code guests/wat/grow.wat} on
 * wasmtime and prints the stored result as hex, or {@code failed CODE MESSAGE}.
 * Arguments: guest memory limit (pages), steps (0 = until a grow fails), commit size.
 */
public final class GrowMain {
    private GrowMain() {}

    public static void main(String[] args) throws Exception {
        int limit = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        long commit = MemorySize.parse(args[2]);
        byte[] wasm = Fixtures.guest("wat/grow.wasm");
        byte[] block = ByteBuffer.allocate(84)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(80, steps)
                .array();
        Path db = Files.createTempDirectory("jshrew-grow");
        try (WasmEngine engine = EngineRegistry.load().create("wasmtime", Map.of(), new CommittedMemoryProvider());
                var store = Harness.rocksdb().open(db, Map.of());
                Indexer indexer = new Indexer(
                        engine.compile("grow.wasm", wasm),
                        Hashes.sha256(wasm),
                        store,
                        new RunOptions(limit, commit, ResetMode.FAST),
                        s -> {})) {
            indexer.indexBlock(0, block);
            System.out.println(Hashes.hex(store.get("grow".getBytes(StandardCharsets.US_ASCII), 0)));
        } catch (JshrewException e) {
            System.out.println("failed " + e.code() + " " + e.getMessage());
        } finally {
            try (var paths = Files.walk(db)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
