package dev.jshrew.cli;

import dev.jshrew.node.chain.FixedChainSource;
import java.nio.file.Path;
import java.util.List;

/**
 * Block files ({@code --blocks}) as a fixed chain source: the heights of the files, in ascending order, gaps
 * allowed; each block is read when the fetcher gets to it. Trusted as given: no reorgs, no link checks.
 */
final class BlockFilesSource extends FixedChainSource<Path> {
    BlockFilesSource(List<Path> paths) {
        super(
                BlockFiles.scan(paths),
                (height, file) -> BlockFiles.read(file, height),
                "block files " + List.copyOf(paths));
    }
}
