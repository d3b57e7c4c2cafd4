package dev.jshrew.benchmarks;

import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.NavigableMap;

/** What the benchmarks share: engines from the same registry as the CLI, the bundled guests, real blocks, RSS. */
final class Guests {
    private Guests() {}

    static WasmEngine engine(String name) {
        return EngineRegistry.load().create(name, Map.of(), new CommittedMemoryProvider());
    }

    static byte[] guest(String path) {
        try (InputStream in = Guests.class.getResourceAsStream("/guests/" + path)) {
            if (in == null) {
                throw new IllegalStateException("guest " + path + " is not in benchmarks.jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A wasm file when {@code path} names one on disk, else the guest bundled under that path. */
    static byte[] guestOrFile(String path) {
        Path file = Path.of(path);
        if (Files.isRegularFile(file)) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return guest(path);
    }

    /**
     * A real mainnet block: from {@code -Djshrew.blocks.dir} (default {@code ../shared/data/blocks}), else the
     * repository's {@code sample/blocks}.
     */
    static byte[] realBlock(long height) {
        String name = String.format("mainnet-%06d.hex", height);
        for (Path dir : new Path[] {
            Path.of(System.getProperty("jshrew.blocks.dir", "../shared/data/blocks")), Path.of("sample/blocks")
        }) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    return HexFormat.of().parseHex(Files.readString(file).strip());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new IllegalStateException(
                "block " + name + " not found: run from the repository root or set -Djshrew.blocks.dir");
    }

    /**
     * The writes a real block makes through an indexer ({@link #guestOrFile} of {@code wasm}), indexed at height 1 on
     * wasmtime in a store of its own that is deleted again: what the host commits for that block.
     */
    static NavigableMap<byte[], byte[]> realBlockWrites(String wasm, long blockHeight) throws IOException {
        Path dir = Files.createTempDirectory("jshrew-bench-writes");
        try (IndexerHost host = IndexerHost.builder()
                .engine("wasmtime", Map.of(), new CommittedMemoryProvider())
                .module(Path.of(wasm).getFileName().toString(), guestOrFile(wasm))
                .store(dir)
                .runOptions(new RunOptions(65536, 64L << 20, ResetMode.FAST))
                .open()) {
            try (var indexer = host.newIndexer(s -> {})) {
                indexer.indexBlock(1, realBlock(blockHeight));
            }
            return host.store().blockWrites(1);
        } finally {
            deleteTree(dir);
        }
    }

    /** Deletes a benchmark's temporary directory and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** VmRSS in bytes; an unreadable value fails the benchmark rather than passing its RSS check. */
    static long rssBytes() {
        long rss = new CommittedMemoryProvider().residentSetBytes();
        if (rss < 0) {
            throw new IllegalStateException("cannot read VmRSS from /proc/self/status");
        }
        return rss;
    }
}
