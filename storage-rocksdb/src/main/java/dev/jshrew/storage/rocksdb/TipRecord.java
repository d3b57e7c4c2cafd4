package dev.jshrew.storage.rocksdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The last committed tip, kept beside the database in the file {@value #NAME}, outside RocksDB's write-ahead log:
 * when a database comes back with a lower tip than the one recorded, it lost committed blocks (e.g. the tail of its
 * WAL after an unclean stop), and the store says so at open.
 *
 * <p>Format: {@value #WIDTH} ASCII characters, the tip as a zero-padded signed decimal ({@code -1}: no tip) and a
 * newline. Every update is one write of the same length at offset 0 of a file kept open (no rename, no truncation,
 * no {@code fsync}: a few microseconds), so the file never holds a mix of two lengths; anything unreadable counts as no
 * record. Invariant: the recorded tip is never above the durable one unless the database lost data. A commit writes
 * it after its synced batch, a rollback before its batch; a crash in between leaves it lower, never higher, and so
 * does a lost update. RocksDB ignores (and never deletes) a file whose name it does not know. Only a writing store
 * touches it. Not thread-safe: the store's writer lock serialises its use.
 */
final class TipRecord implements AutoCloseable {
    static final String NAME = "JSHREW-TIP";
    static final int WIDTH = 21;

    private final Path file;
    private FileChannel channel;

    TipRecord(Path directory) {
        this.file = directory.resolve(NAME);
    }

    /** The recorded tip; empty when there is none, or no readable record (e.g. a store made before the record). */
    OptionalLong read() {
        return parse(file);
    }

    /** The tip recorded in {@code file}; empty when there is none or it cannot be read. */
    static OptionalLong parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            // missing (a new store, or one made before the record) or unreadable: nothing to compare with
            return OptionalLong.empty();
        }
        if (text.length() != WIDTH || text.charAt(WIDTH - 1) != '\n') {
            return OptionalLong.empty();
        }
        try {
            long tip = Long.parseLong(text.substring(0, WIDTH - 1));
            return tip < 0 ? OptionalLong.empty() : OptionalLong.of(tip);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Records {@code tip} ({@code -1}: none). */
    void write(long tip) throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        String text = String.format(Locale.ROOT, "%0" + (WIDTH - 1) + "d\n", Math.max(tip, -1));
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        long position = 0;
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
        if (channel.size() > WIDTH) {
            channel.truncate(WIDTH);
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
