package dev.jshrew.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test guests (built by this repo under {@code guests/}, checked against {@code SHA256SUMS} where listed) and
 * the real mainnet blocks of {@code ../shared/data/blocks} (checked against the hashes in its README).
 */
public final class Fixtures {
    private static final Map<String, String> WAT_SUMS = loadSums();

    private Fixtures() {}

    /** A guest module by its path under {@code guests/}, e.g. {@code wat/probe.wasm}. */
    public static byte[] guest(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IllegalStateException("no test guest fixtures/" + path + " on the class path");
            }
            byte[] bytes = in.readAllBytes();
            String name = path.substring(path.lastIndexOf('/') + 1);
            String expected = path.startsWith("wat/") ? WAT_SUMS.get(name) : null;
            if (expected != null && !expected.equals(HexFormat.of().formatHex(sha256(bytes)))) {
                throw new IllegalStateException(
                        "fixture " + path + " does not match guests/wat/SHA256SUMS: rebuild with guests/wat/build.sh");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> loadSums() {
        Map<String, String> sums = new HashMap<>();
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/wat/SHA256SUMS")) {
            if (in != null) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                    String[] parts = line.trim().split("\\s+");
                    if (parts.length == 2) {
                        sums.put(parts[1], parts[0]);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sums;
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code ../shared} beside the repository (system property {@code jshrew.shared.dir} set by the build). */
    public static Path sharedDir() {
        String configured = System.getProperty("jshrew.shared.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "shared");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("shared fixtures not found at " + dir.toAbsolutePath()
                    + " (clone the repo beside ../shared, or set -Djshrew.shared.dir)");
        }
        return dir.normalize();
    }

    /** A real mainnet block from {@code shared/data/blocks}, hash-checked against the README table. */
    public record RealBlock(long height, byte[] bytes, String hash) {}

    /** Every real block, by height, each verified against the README's hash. */
    public static NavigableMap<Long, RealBlock> realBlocks() {
        Path dir = sharedDir().resolve("data/blocks");
        try {
            String readme = Files.readString(dir.resolve("README.md"));
            Matcher row = Pattern.compile("\\|\\s*(mainnet-\\d+\\.hex)\\s*\\|\\s*(\\d+)\\s*\\|"
                            + "\\s*\\d+\\s*\\|\\s*([0-9a-f]{64})\\s*\\|")
                    .matcher(readme);
            NavigableMap<Long, RealBlock> blocks = new TreeMap<>();
            while (row.find()) {
                byte[] bytes = HexFormat.of()
                        .parseHex(Files.readString(dir.resolve(row.group(1))).strip());
                String hash = row.group(3);
                byte[] header = java.util.Arrays.copyOf(bytes, 80);
                byte[] h = sha256(sha256(header));
                byte[] display = new byte[32];
                for (int i = 0; i < 32; i++) {
                    display[i] = h[31 - i];
                }
                if (!HexFormat.of().formatHex(display).equals(hash)) {
                    throw new IllegalStateException(row.group(1) + " does not hash to " + hash + " as its README says");
                }
                long height = Long.parseLong(row.group(2));
                blocks.put(height, new RealBlock(height, bytes, hash));
            }
            if (blocks.isEmpty()) {
                throw new IllegalStateException("no block rows in " + dir.resolve("README.md"));
            }
            return blocks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
