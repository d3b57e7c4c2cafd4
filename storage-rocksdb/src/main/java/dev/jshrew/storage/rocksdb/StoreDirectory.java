package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * What a directory holds before the store opens it, checked without writing anything: nothing, a jshrew store, or
 * something else. A jshrew store is a RocksDB database (a {@code CURRENT} file naming a readable {@code MANIFEST})
 * whose column families are exactly {@link #FAMILIES}, those and {@link OpenedDb#LATEST} (added by layout 2), or those
 * two and {@link OpenedDb#BLOCK_KEYS} (added by layout 3); every jshrew version since layout 1 created its families
 * at the first open, so databases made by earlier versions are recognised. Stateless.
 */
final class StoreDirectory {
    /** The column families of layout 1, {@code default} included. */
    static final Set<String> FAMILIES = Set.of("default", OpenedDb.VERSIONS, OpenedDb.BLOCKS, OpenedDb.META);

    private StoreDirectory() {}

    /**
     * Checks {@code directory} for a read-only open: it must hold a jshrew store. Creates nothing.
     *
     * @return the store's column families
     * @throws JshrewException {@link ErrorCode#STORAGE} naming what is wrong
     */
    static Set<String> checkExisting(Path directory) {
        if (!Files.exists(directory)) {
            throw failure(directory, "no database: the directory does not exist");
        }
        if (!Files.isDirectory(directory)) {
            throw failure(directory, "no database: not a directory");
        }
        if (isEmpty(directory)) {
            throw failure(directory, "no database: the directory is empty");
        }
        return checkJshrewDatabase(directory);
    }

    /**
     * Checks {@code directory} for a writing open and creates it when it is missing.
     *
     * @return {@code true} when the store is to be created (the directory was missing or empty), {@code false} when
     *     it holds a jshrew store
     * @throws JshrewException {@link ErrorCode#STORAGE} for a non-empty directory that is not a jshrew store
     */
    static boolean prepareForWriting(Path directory) {
        if (!Files.exists(directory)) {
            try {
                Files.createDirectories(directory);
            } catch (IOException e) {
                throw new JshrewException(
                        ErrorCode.STORAGE, "rocksdb store " + directory + ": cannot create the directory: " + e, e);
            }
            return true;
        }
        if (!Files.isDirectory(directory)) {
            throw failure(directory, "not a directory");
        }
        if (isEmpty(directory)) {
            return true;
        }
        checkJshrewDatabase(directory);
        return false;
    }

    /** The column families of the jshrew store in {@code directory}; checks it as above. */
    private static Set<String> checkJshrewDatabase(Path directory) {
        if (!Files.isRegularFile(directory.resolve("CURRENT"))) {
            throw failure(
                    directory,
                    "not a jshrew database: the directory is not empty and has no RocksDB CURRENT file (another"
                            + " folder, or a database whose CURRENT was lost); nothing was changed");
        }
        NativeLibrary.load(directory);
        List<byte[]> names;
        // Reads CURRENT and the MANIFEST it names; writes nothing.
        try (Options options = new Options()) {
            names = RocksDB.listColumnFamilies(options, directory.toString());
        } catch (RocksDBException e) {
            throw StorageFailure.of(
                    directory,
                    "read the column families (damaged or missing CURRENT/MANIFEST; nothing was changed)",
                    e);
        }
        // RocksJava returns an empty list (no exception) when CURRENT or the MANIFEST cannot be read.
        if (names.isEmpty()) {
            throw failure(
                    directory,
                    "damaged or missing CURRENT/MANIFEST: no column family could be read from them; nothing was"
                            + " changed");
        }
        Set<String> found = new TreeSet<>();
        for (byte[] name : names) {
            found.add(new String(name, StandardCharsets.UTF_8));
        }
        Set<String> layout2 = new TreeSet<>(FAMILIES);
        layout2.add(OpenedDb.LATEST);
        Set<String> layout3 = new TreeSet<>(layout2);
        layout3.add(OpenedDb.BLOCK_KEYS);
        if (!found.equals(FAMILIES) && !found.equals(layout2) && !found.equals(layout3)) {
            throw failure(
                    directory,
                    "not a jshrew database (or a damaged one): the column families read from CURRENT/MANIFEST are "
                            + found + ", not " + new TreeSet<>(FAMILIES) + " (layout 1), " + layout2
                            + " (layout 2) or " + layout3 + " (layout 3); nothing was changed");
        }
        return found;
    }

    private static boolean isEmpty(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new JshrewException(
                    ErrorCode.STORAGE, "rocksdb store " + directory + ": cannot list the directory: " + e, e);
        }
    }

    private static JshrewException failure(Path directory, String what) {
        return new JshrewException(ErrorCode.STORAGE, "rocksdb store " + directory + ": " + what);
    }
}
