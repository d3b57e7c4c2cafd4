package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Paths to the committed guests and real blocks, and the fresh-versus-reset comparison. */
final class RewriteFixtures {
    private RewriteFixtures() {}

    /** A block: height and the payload after the 4 height bytes. */
    record Block(int height, byte[] payload) {}

    static Path repo() {
        return Path.of(System.getProperty("jshrew.repo.dir", ".."))
                .toAbsolutePath()
                .normalize();
    }

    static Path shared() {
        String configured = System.getProperty("jshrew.shared.dir");
        return (configured != null ? Path.of(configured) : repo().resolve("../shared"))
                .toAbsolutePath()
                .normalize();
    }

    static byte[] guest(String relative) {
        try {
            return Files.readAllBytes(repo().resolve("guests").resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real mainnet blocks in ../shared/data/blocks, in height order. */
    static List<Block> realBlocks() {
        Path dir = shared().resolve("data/blocks");
        try (Stream<Path> files = Files.list(dir)) {
            List<Block> blocks = new ArrayList<>();
            for (Path f : files.filter(p -> p.getFileName().toString().matches("mainnet-\\d+\\.hex"))
                    .sorted()
                    .toList()) {
                String name = f.getFileName().toString();
                int height = Integer.parseInt(name.substring("mainnet-".length(), name.length() - ".hex".length()));
                blocks.add(new Block(
                        height, HexFormat.of().parseHex(Files.readString(f).strip())));
            }
            return blocks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An 80-byte header carrying a nonce, followed by {@code extra}. */
    static byte[] headerAnd(int nonce, byte... extra) {
        byte[] b = new byte[80 + extra.length];
        b[76] = (byte) nonce;
        b[77] = (byte) (nonce >>> 8);
        System.arraycopy(extra, 0, b, 80, extra.length);
        return b;
    }

    /**
     * Runs the blocks on the original module (fresh instance per block) and on the rewritten one (one instance,
     * reset between blocks) and asserts they flush and trap identically, block by block. Also checks after every
     * reset that the virtual size is back to the initial pages. Returns the outcomes.
     */
    static List<GuestRunner.Outcome> assertResetEqualsFresh(
            String name,
            byte[] original,
            ResettableModule.Options options,
            GuestRunner.Engine engine,
            List<Block> blocks) {
        ResettableModule rewritten = ResettableModule.rewrite(name, original, options);
        List<GuestRunner.Outcome> outcomes = new ArrayList<>();
        try (GuestRunner.Fresh fresh = new GuestRunner.Fresh(original, engine, rewritten.limitPages());
                GuestRunner.Reset reset = new GuestRunner.Reset(rewritten, engine, true)) {
            int i = 0;
            for (Block b : blocks) {
                GuestRunner.Outcome expected = fresh.run(b.height(), b.payload());
                GuestRunner.Outcome actual = reset.run(b.height(), b.payload());
                assertEquals(expected, actual, name + ": block #" + i + " (height " + b.height() + ") differs");
                if (i > 0 && !rewritten.hasStartFunction()) {
                    // a reset restores the virtual size; the block may then have grown it again
                    assertTrue(reset.highWater() >= reset.pages());
                }
                outcomes.add(actual);
                i++;
            }
            assertEquals(fresh.store.keySet(), reset.store.keySet(), name + ": stores differ");
        }
        return outcomes;
    }
}
