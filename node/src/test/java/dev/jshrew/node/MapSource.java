package dev.jshrew.node;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/** A fixed source over blocks in memory (like block files): trusted, no reorgs. */
final class MapSource implements ChainSource {
    private final NavigableMap<Long, byte[]> blocks;

    MapSource(NavigableMap<Long, byte[]> blocks) {
        this.blocks = new TreeMap<>(blocks);
    }

    @Override
    public boolean live() {
        return false;
    }

    @Override
    public long bestHeight() {
        return blocks.isEmpty() ? -1 : blocks.lastKey();
    }

    @Override
    public long nextHeight(long from) {
        Long h = blocks.ceilingKey(from);
        return h == null ? -1 : h;
    }

    @Override
    public long blocksBetween(long from, long toExclusive, long best) {
        return from >= toExclusive ? 0 : blocks.subMap(from, true, toExclusive, false).size();
    }

    @Override
    public Optional<byte[]> blockHash(long height) {
        return Optional.empty();
    }

    @Override
    public byte[] block(long height, byte[] hash) {
        return blocks.get(height);
    }

    @Override
    public String describe() {
        return "test blocks";
    }
}
