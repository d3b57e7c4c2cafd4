package dev.jshrew.storage.rocksdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every file and directory under a directory with its size, modification time and SHA-256: two equal snapshots
 * mean nothing was created, changed or deleted. A missing directory is the empty map with one entry saying so.
 */
public final class DirectorySnapshot {
    private DirectorySnapshot() {}

    public static Map<String, String> of(Path root) {
        Map<String, String> entries = new TreeMap<>();
        if (!Files.exists(root)) {
            entries.put("", "missing");
            return entries;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                String name = root.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    entries.put(
                            name + "/", "dir " + Files.getLastModifiedTime(p).toMillis());
                } else {
                    entries.put(
                            name,
                            Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis() + " " + sha256(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
