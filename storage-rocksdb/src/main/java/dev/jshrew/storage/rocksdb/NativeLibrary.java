package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.rocksdb.RocksDB;

/**
 * Loads RocksDB's native library, and removes the copy RocksJava extracted for it.
 *
 * <p>RocksJava copies the 15 MB library out of its jar into {@code java.io.tmpdir} under a random name and relies on
 * {@code deleteOnExit}: a process that is killed, or that crashes, leaves its copy behind, and a node that is
 * restarted by a supervisor fills {@code /tmp}. Once the library is mapped the file is no longer needed (Linux keeps
 * an unlinked mapping alive), so it is unlinked right after loading; the window in which a kill can leak it is the
 * load itself.
 */
final class NativeLibrary {
    private static final System.Logger LOG = System.getLogger(NativeLibrary.class.getName());
    /** The name {@code File.createTempFile("librocksdbjni", ".so")} gives RocksJava's copy. */
    static final Pattern EXTRACTED = Pattern.compile("librocksdbjni\\d+\\.so");

    private static boolean loaded;

    private NativeLibrary() {}

    /** Loads the library once; a platform without a bundled library is a storage error naming the store. */
    static synchronized void load(Path directory) {
        if (loaded) {
            return;
        }
        try {
            RocksDB.loadLibrary();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // NativeLibraryLoader reports a platform without a bundled library as a plain RuntimeException.
            throw new JshrewException(
                    ErrorCode.STORAGE,
                    "rocksdb store " + directory
                            + ": the RocksDB native library cannot be loaded on " + System.getProperty("os.name") + "/"
                            + System.getProperty("os.arch") + ": " + e.getMessage(),
                    e);
        }
        loaded = true;
        for (Path copy : extractedCopies()) {
            try {
                Files.deleteIfExists(copy);
                LOG.log(Level.DEBUG, "removed the extracted RocksDB library {0} (it stays mapped)", copy);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "could not remove the extracted RocksDB library {0}: {1}", copy, e.toString());
            }
        }
    }

    /**
     * The extracted copies this process has mapped and that still exist: files in {@code java.io.tmpdir} named like
     * RocksJava's temporary copy. Empty where {@code /proc/self/maps} does not exist (not Linux).
     */
    static List<Path> extractedCopies() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return List.of();
        }
        Path tmp =
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        try {
            return Files.readAllLines(maps).stream()
                    .map(line -> line.indexOf('/') < 0 ? null : line.substring(line.indexOf('/')))
                    .filter(p -> p != null && !p.endsWith(" (deleted)"))
                    .map(Path::of)
                    .filter(p -> tmp.equals(p.getParent())
                            && EXTRACTED.matcher(p.getFileName().toString()).matches())
                    .distinct()
                    .filter(Files::exists)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
