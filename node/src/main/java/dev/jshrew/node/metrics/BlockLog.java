package dev.jshrew.node.metrics;

import dev.jshrew.host.BlockResult;
import dev.jshrew.node.sync.SyncListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;

/**
 * {@code --block-log FILE}: one JSON line per committed block, appended, for soaks and offline analysis: {@code
 * {"height":H,"hash":"…","root":"…","pairs":N,"run_ns":…,"reset_ns":…,"commit_ns":…,"pages":P,"cpu_ns":…,
 * "reads":N,"read_ns":…,"t_ms":…}}, where {@code cpu_ns} is the indexing thread's CPU time for the block ({@link
 * BlockResult#cpuNanos()}) and {@code reads}/{@code read_ns} the guest's reads that reached the store and their
 * time,
 * and {@code {"reorg":{"tip":T,"fork":F},"t_ms":…}} per handled reorg. Each line is written and flushed to the
 * file (not synced) after the block's commit, so a SIGKILL loses at most the line of the block just committed; a
 * restart appends. The hash is in display order (as {@link BlockResult}), the root as stored. Cost: one small write
 * per block.
 */
public final class BlockLog implements SyncListener, AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();
    private final BufferedWriter out;

    /** Opens (creates or appends to) the file. */
    public BlockLog(Path file) throws IOException {
        this.out = Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    public void indexed(BlockResult r, long remaining) {
        write("{\"height\":" + r.height() + ",\"hash\":\"" + HEX.formatHex(r.blockHash()) + "\",\"root\":\""
                + HEX.formatHex(r.stateRoot()) + "\",\"pairs\":" + r.pairs() + ",\"run_ns\":" + r.runNanos()
                + ",\"reset_ns\":" + r.resetNanos() + ",\"commit_ns\":" + r.commitNanos() + ",\"pages\":"
                + r.highWaterPages() + ",\"cpu_ns\":" + r.cpuNanos()
                + ",\"reads\":" + r.storeReads() + ",\"cache_hits\":" + r.cacheHits() + ",\"read_ns\":"
                + r.storeReadNanos() + ",\"t_ms\":"
                + System.currentTimeMillis() + "}");
    }

    @Override
    public void reorg(long tip, long forkPoint) {
        write("{\"reorg\":{\"tip\":" + tip + ",\"fork\":" + forkPoint + "},\"t_ms\":" + System.currentTimeMillis()
                + "}");
    }

    private synchronized void write(String line) {
        try {
            out.write(line);
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the block log", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
