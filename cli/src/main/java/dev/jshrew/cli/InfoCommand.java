package dev.jshrew.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHistory;
import dev.jshrew.host.StateRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jshrew info}: what a database holds, read-only (works beside a running node, writes nothing). */
@Command(
        name = "info",
        description = {
            "Print what the database holds: tip height, its block hash and state root, the first height, the "
                    + "indexer history (height and SHA-256 of each indexer module), the guest memory limit, and "
                    + "the size on disk (SST files, WAL, other files).",
            "Opens the database read-only: writes nothing and works while index/serve runs."
        })
final class InfoCommand implements Callable<Integer> {
    @Mixin
    DatabaseDir database;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        try (KeyValueStore store = EngineArgs.openStoreReadOnly(database.db)) {
            OptionalLong tip = store.tip();
            info.put("database", database.db.toString());
            info.put("tip", tip.isPresent() ? tip.getAsLong() : null);
            info.put(
                    "blockHash",
                    tip.isPresent()
                            ? store.blockHash(tip.getAsLong()).map(Hashes::hex).orElse(null)
                            : null);
            info.put(
                    "stateRoot",
                    tip.isPresent()
                            ? store.stateRoot(tip.getAsLong()).map(Hashes::hex).orElse(null)
                            : null);
            info.put(
                    "firstHeight",
                    ascii(store.meta(StateRoot.META_FIRST_HEIGHT))
                            .map(Long::parseLong)
                            .orElse(null));
            info.put(
                    "guestMemoryLimitPages",
                    ascii(store.meta(Indexer.META_MEMORY_LIMIT))
                            .map(Integer::parseInt)
                            .orElse(null));
            List<IndexerHistory.Entry> effective =
                    IndexerHistory.of(store).map(IndexerHistory::entries).orElse(List.of());
            info.put("indexerHistory", entries(effective));
            List<IndexerHistory.Entry> undone = new ArrayList<>(IndexerHistory.recorded(store));
            undone.removeAll(effective);
            info.put("undoneUpgrades", entries(undone));
        }
        info.put("sizeBytes", sizes(database.db));
        if (json) {
            System.out.println(new ObjectMapper()
                    .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                    .writeValueAsString(info));
        } else {
            printText(info);
        }
        return 0;
    }

    private static Optional<String> ascii(Optional<byte[]> value) {
        return value.map(v -> new String(v, StandardCharsets.US_ASCII));
    }

    private static List<Map<String, Object>> entries(List<IndexerHistory.Entry> entries) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (IndexerHistory.Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("height", e.height());
            m.put("sha256", e.sha256Hex());
            list.add(m);
        }
        return list;
    }

    /** Bytes on disk: every file of the directory, and by kind (SST files, the WAL's {@code .log} files, the rest). */
    private static Map<String, Long> sizes(Path db) {
        long sst = 0;
        long wal = 0;
        long other = 0;
        try (Stream<Path> files = Files.walk(db)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                long size = Files.size(p);
                String name = p.getFileName().toString();
                if (name.endsWith(".sst")) {
                    sst += size;
                } else if (name.endsWith(".log")) {
                    wal += size;
                } else {
                    other += size;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        sizes.put("total", sst + wal + other);
        sizes.put("sst", sst);
        sizes.put("wal", wal);
        sizes.put("other", other);
        return sizes;
    }

    @SuppressWarnings("unchecked")
    private static void printText(Map<String, Object> info) {
        StringBuilder text = new StringBuilder();
        line(text, "database", info.get("database"));
        line(text, "tip", info.get("tip") == null ? "none (no block indexed)" : info.get("tip"));
        line(text, "block hash", info.get("blockHash"));
        line(text, "state root", info.get("stateRoot"));
        line(text, "first height", info.get("firstHeight"));
        Object pages = info.get("guestMemoryLimitPages");
        line(
                text,
                "memory limit",
                pages == null ? null : pages + " pages (" + mib(((Integer) pages) * 65536L) + " MiB)");
        List<Map<String, Object>> history = (List<Map<String, Object>>) info.get("indexerHistory");
        if (history.isEmpty()) {
            line(text, "indexer", null);
        }
        for (int i = 0; i < history.size(); i++) {
            Map<String, Object> e = history.get(i);
            line(text, i == 0 ? "indexer" : "", "from " + e.get("height") + "  sha256 " + e.get("sha256"));
        }
        for (Map<String, Object> e : (List<Map<String, Object>>) info.get("undoneUpgrades")) {
            line(text, "undone", "from " + e.get("height") + "  sha256 " + e.get("sha256") + " (rolled back)");
        }
        Map<String, Long> sizes = (Map<String, Long>) info.get("sizeBytes");
        line(
                text,
                "size on disk",
                String.format(
                        Locale.ROOT,
                        "%s MiB (SST %s MiB, WAL %s MiB, other %s MiB)",
                        mib(sizes.get("total")),
                        mib(sizes.get("sst")),
                        mib(sizes.get("wal")),
                        mib(sizes.get("other"))));
        System.out.print(text);
    }

    private static void line(StringBuilder text, String name, Object value) {
        text.append(String.format(Locale.ROOT, "%-14s%s%n", name, value == null ? "-" : value));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
