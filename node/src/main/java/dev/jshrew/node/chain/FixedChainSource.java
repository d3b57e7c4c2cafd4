package dev.jshrew.node.chain;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * A fixed, trusted set of blocks by height (block files, blocks in memory): not live, no reorgs, no hashes it could
 * vouch for, gaps allowed. Each block is loaded when the fetcher gets to it.
 *
 * @param <T> what a height maps to before loading (a file, the bytes themselves)
 */
public class FixedChainSource<T> implements ChainSource {
    private final NavigableMap<Long, T> entries;
    private final BiFunction<Long, T, byte[]> load;
    private final String description;

    /**
     * @param entries one entry per height (copied)
     * @param load reads the block of a height from its entry
     * @param description for log lines
     */
    public FixedChainSource(NavigableMap<Long, T> entries, BiFunction<Long, T, byte[]> load, String description) {
        this.entries = new TreeMap<>(entries);
        this.load = load;
        this.description = description;
    }

    /** How many blocks the source has. */
    public int size() {
        return entries.size();
    }

    @Override
    public boolean live() {
        return false;
    }

    @Override
    public long bestHeight() {
        return entries.isEmpty() ? -1 : entries.lastKey();
    }

    @Override
    public long nextHeight(long from) {
        Long h = entries.ceilingKey(from);
        return h == null ? -1 : h;
    }

    @Override
    public long blocksBetween(long from, long toExclusive, long best) {
        return from >= toExclusive
                ? 0
                : entries.subMap(from, true, toExclusive, false).size();
    }

    @Override
    public Optional<byte[]> blockHash(long height) {
        return Optional.empty();
    }

    @Override
    public byte[] block(long height, byte[] hash) {
        return load.apply(height, entries.get(height));
    }

    @Override
    public String describe() {
        return description;
    }
}
