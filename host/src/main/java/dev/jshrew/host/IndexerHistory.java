package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.ChainIndex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which indexer module (by SHA-256) indexed which heights of a database: the first height with the module that
 * started it, then one entry per upgrade ({@code --upgrade-indexer-at H}), each recorded in the same atomic commit as
 * the block at its height. Stored as the metadata value {@value #META_HISTORY} (ASCII lines {@code HEIGHT SHA256HEX});
 * a database without it (made before upgrades existed) has the implicit history of its first height and its pin.
 *
 * <p>Rollbacks keep metadata, so an entry above the tip was undone by a rollback: the <em>effective</em> history
 * ({@link #of}) leaves it out, and the next upgrade overwrites it. On a store with no block only the first entry
 * counts (the indexer that started it, as before upgrades existed).
 *
 * @param entries ascending heights, at least one; each module from its height up to the next entry's height - 1
 */
public record IndexerHistory(List<Entry> entries) {
    /** Store metadata: the indexer history, ASCII lines {@code HEIGHT SHA256HEX}. */
    public static final String META_HISTORY = "indexer.history";

    /** One module and the first height it indexed. */
    public record Entry(long height, byte[] sha256) {
        public Entry {
            sha256 = sha256.clone();
        }

        @Override
        public byte[] sha256() {
            return sha256.clone();
        }

        public String sha256Hex() {
            return Hashes.hex(sha256);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.height == height && Arrays.equals(e.sha256, sha256);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(height) * 31 + Arrays.hashCode(sha256);
        }

        @Override
        public String toString() {
            return height + " " + sha256Hex();
        }
    }

    public IndexerHistory {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("an indexer history has at least one entry");
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).height() <= entries.get(i - 1).height()) {
                throw new IllegalArgumentException("indexer history heights must ascend: " + entries);
            }
        }
    }

    /**
     * The effective history of {@code store}: the recorded one without entries above the tip (undone by a rollback),
     * the implicit one of an older database, or empty for a store that pins no indexer.
     *
     * @throws JshrewException {@link ErrorCode#STORAGE} when the recorded history is malformed
     */
    public static Optional<IndexerHistory> of(ChainIndex store) {
        List<Entry> recorded = recorded(store);
        if (recorded.isEmpty()) {
            return Optional.empty();
        }
        OptionalLong tip = store.tip();
        List<Entry> kept = new ArrayList<>();
        kept.add(recorded.getFirst());
        for (Entry e : recorded.subList(1, recorded.size())) {
            if (tip.isPresent() && e.height() <= tip.getAsLong()) {
                kept.add(e);
            }
        }
        return Optional.of(new IndexerHistory(kept));
    }

    /** Every entry recorded, including those a rollback undid; empty when the store pins no indexer. */
    public static List<Entry> recorded(ChainIndex store) {
        Optional<byte[]> text = store.meta(META_HISTORY);
        if (text.isPresent()) {
            return parse(text.get());
        }
        Optional<byte[]> pin = store.meta(Indexer.META_INDEXER);
        if (pin.isEmpty()) {
            return List.of();
        }
        long first = store.meta(StateRoot.META_FIRST_HEIGHT)
                .map(v -> parseHeight(new String(v, StandardCharsets.US_ASCII)))
                .orElse(0L);
        return List.of(new Entry(first, pin.get()));
    }

    private static List<Entry> parse(byte[] value) {
        if (value.length == 0) {
            throw malformed("");
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : new String(value, StandardCharsets.US_ASCII).split("\n")) {
            String[] parts = line.split(" ");
            if (parts.length != 2 || parts[1].length() != 64) {
                throw malformed(line);
            }
            try {
                entries.add(new Entry(parseHeight(parts[0]), HexFormat.of().parseHex(parts[1])));
            } catch (IllegalArgumentException e) {
                throw malformed(line);
            }
        }
        try {
            new IndexerHistory(entries);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(
                    ErrorCode.STORAGE, "the database's indexer history is malformed: " + e.getMessage());
        }
        return entries;
    }

    private static long parseHeight(String text) {
        long h = Long.parseLong(text);
        if (h < 0) {
            throw new NumberFormatException("negative height " + text);
        }
        return h;
    }

    private static JshrewException malformed(String line) {
        return new JshrewException(
                ErrorCode.STORAGE,
                "the database's indexer history is malformed: '" + line + "' is not 'HEIGHT SHA256'");
    }

    /** The metadata value of this history. */
    public byte[] encode() {
        StringBuilder text = new StringBuilder();
        for (Entry e : entries) {
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** This history with {@code module} taking over at {@code height} (above every entry but the first). */
    public IndexerHistory upgradedAt(long height, byte[] module) {
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries) {
            if (e.height() < height) {
                next.add(e);
            }
        }
        if (next.isEmpty()) {
            throw new IllegalArgumentException("an upgrade at " + height + " is not above the first height "
                    + entries.getFirst().height());
        }
        next.add(new Entry(height, module));
        return new IndexerHistory(next);
    }

    /** The newest entry: the module that indexes the next blocks. */
    public Entry current() {
        return entries.getLast();
    }

    /**
     * The heights {@code module} indexed or indexes: {@code [from, to]} with {@code to = Long.MAX_VALUE} for the
     * current module; empty when the history does not hold it. A module that appears twice answers for its last run.
     */
    public Optional<long[]> heightsOf(byte[] module) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (Arrays.equals(entries.get(i).sha256, module)) {
                long to = i == entries.size() - 1
                        ? Long.MAX_VALUE
                        : entries.get(i + 1).height() - 1;
                return Optional.of(new long[] {entries.get(i).height(), to});
            }
        }
        return Optional.empty();
    }

    /** The entry whose module indexed {@code height}: the last one at or below it (the first for lower heights). */
    public Entry at(long height) {
        Entry found = entries.getFirst();
        for (Entry e : entries) {
            if (e.height() <= height) {
                found = e;
            }
        }
        return found;
    }
}
