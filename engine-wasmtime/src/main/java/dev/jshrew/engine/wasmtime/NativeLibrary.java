package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import io.github.kawamuray.wasmtime.NativeLibraryLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the binding's JNI library once per JVM. The binding extracts its 18 MB library to a fresh temporary file
 * on every start and never deletes it, so {@code /tmp} fills up run after run; once the library is mapped, the
 * file is no longer needed, and this deletes the copy that this process mapped (found in {@code /proc/self/maps},
 * so a concurrent JVM's copy is never touched). A library loaded from {@code java.library.path} is left alone.
 */
final class NativeLibrary {
    private static final System.Logger LOG = System.getLogger(NativeLibrary.class.getName());
    private static final String EXTRACTED_PREFIX = "libwasmtime_jni_";
    private static boolean loaded;

    private NativeLibrary() {}

    static synchronized void load() {
        if (loaded) {
            return;
        }
        try {
            NativeLibraryLoader.init();
        } catch (RuntimeException | UnsatisfiedLinkError e) { // the binding wraps I/O failures in RuntimeException
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE,
                    "engine wasmtime: cannot load the wasmtime JNI library for " + System.getProperty("os.name") + "/"
                            + System.getProperty("os.arch") + ": " + e.getMessage(),
                    e);
        }
        loaded = true;
        deleteExtractedCopy();
    }

    private static void deleteExtractedCopy() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return;
        }
        Path tmp =
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        try {
            for (String line : Files.readAllLines(maps, StandardCharsets.UTF_8)) {
                int slash = line.indexOf('/');
                if (slash < 0 || line.endsWith(" (deleted)")) {
                    continue;
                }
                Path lib = Path.of(line.substring(slash));
                Path name = lib.getFileName();
                if (name != null
                        && name.toString().startsWith(EXTRACTED_PREFIX)
                        && name.toString().endsWith(".so")
                        && tmp.equals(lib.getParent())
                        && Files.deleteIfExists(lib)) {
                    LOG.log(System.Logger.Level.DEBUG, "deleted the extracted JNI library {0} (it stays mapped)", lib);
                }
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not delete the extracted JNI library: {0}", e.toString());
        }
    }
}
