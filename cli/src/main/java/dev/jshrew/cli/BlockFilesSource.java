package dev.jshrew.cli;

import dev.jshrew.node.ChainSource;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * Block files ({@code --blocks}) as a fixed {@link ChainSource}: the heights of the files, in ascending order,
 * gaps allowed; each block is read when the fetcher gets to it. Trusted as given: no reorgs, no link checks.
 */
final class BlockFilesSource implements ChainSource {
    private final List<Path> paths;
    private final NavigableMap<Long, Path> files;

    BlockFilesSource(List<Path> paths) {
        this.paths = List.copyOf(paths);
        this.files = BlockFiles.scan(paths);
    }

    NavigableMap<Long, Path> files() {
        return files;
    }

    @Override
    public boolean live() {
        return false;
    }

    @Override
    public long bestHeight() {
        return files.isEmpty() ? -1 : files.lastKey();
    }

    @Override
    public long nextHeight(long from) {
        Long h = files.ceilingKey(from);
        return h == null ? -1 : h;
    }

    @Override
    public long blocksBetween(long from, long toExclusive, long best) {
        return from >= toExclusive ? 0 : files.subMap(from, true, toExclusive, false).size();
    }

    @Override
    public Optional<byte[]> blockHash(long height) {
        return Optional.empty();
    }

    @Override
    public byte[] block(long height, byte[] hash) {
        return BlockFiles.read(files.get(height), height);
    }

    @Override
    public String describe() {
        return "block files " + paths;
    }
}
