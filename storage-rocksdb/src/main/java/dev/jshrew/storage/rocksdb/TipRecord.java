package dev.jshrew.storage.rocksdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalLong;

/**
 * The last committed tip, kept beside the database in the file {@value #NAME} (decimal text, {@code none} for no
 * tip), outside RocksDB's write-ahead log: when a database comes back with a lower tip than the one recorded, it lost
 * committed blocks (e.g. the tail of its WAL after an unclean stop), and the store says so at open.
 *
 * <p>Invariant: the recorded tip is never above the durable one unless the database lost data. A commit writes it
 * after its synced batch, a rollback before its batch; a crash in between leaves it lower, never higher. It is
 * replaced atomically (write a temporary file, rename) and not synced: a lost update only leaves it lower. RocksDB
 * ignores (and never deletes) a file whose name it does not know. Only a writing store touches it.
 * Not thread-safe: the store's writer lock serialises its use.
 */
final class TipRecord {
    static final String NAME = "JSHREW-TIP";
    private static final String NONE = "none";

    private final Path file;
    private final Path temporary;

    TipRecord(Path directory) {
        this.file = directory.resolve(NAME);
        this.temporary = directory.resolve(NAME + ".tmp");
    }

    /** The recorded tip; empty when there is none, or no readable record (a store made before the record). */
    OptionalLong read() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            // missing (a new store, or one made before the record) or unreadable: nothing to compare with
            return OptionalLong.empty();
        }
        if (text.equals(NONE)) {
            return OptionalLong.empty();
        }
        try {
            long tip = Long.parseLong(text);
            return tip < 0 ? OptionalLong.empty() : OptionalLong.of(tip);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Records {@code tip} ({@code -1}: none). */
    void write(long tip) throws IOException {
        Files.writeString(temporary, tip < 0 ? NONE : Long.toString(tip), StandardCharsets.US_ASCII);
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
