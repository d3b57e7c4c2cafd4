package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;

/**
 * Which process holds a database's RocksDB {@code LOCK} file, read from Linux's {@code /proc/locks} (the table of
 * every file lock: type, pid, {@code MAJOR:MINOR:INODE} in hex, hex, decimal). Reading it takes no lock, so unlike
 * a trial lock it can never take or release the lock of a node running in this process or another one. Used by
 * {@code rollback} to refuse while a node runs, with the node's pid, before anything is opened for writing.
 */
final class DatabaseLock {
    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private DatabaseLock() {}

    /**
     * Refuses, before anything is opened, while another process holds {@code db}: {@link ErrorCode#STORAGE}, "the
     * database DB is in use by process PID" followed by {@code whatToDo}.
     */
    static void refuseWhileHeld(Path db, String whatToDo) {
        OptionalLong pid = holder(db);
        if (pid.isPresent()) {
            throw new JshrewException(
                    ErrorCode.STORAGE, "the database " + db + " is in use by process " + pid.getAsLong() + whatToDo);
        }
    }

    /**
     * The pid of the process holding {@code db/LOCK} (-1 for an open-file-description lock, which has none); empty
     * when nobody holds it, when {@code LOCK} does not exist or when {@code /proc/locks} cannot be read (RocksDB's
     * own lock still refuses a second writer then).
     */
    static OptionalLong holder(Path db) {
        Path lock = db.resolve("LOCK");
        List<String> table;
        long device;
        long inode;
        try {
            if (!Files.isRegularFile(lock) || !Files.isReadable(PROC_LOCKS)) {
                return OptionalLong.empty();
            }
            device = ((Number) Files.getAttribute(lock, "unix:dev")).longValue();
            inode = ((Number) Files.getAttribute(lock, "unix:ino")).longValue();
            table = Files.readAllLines(PROC_LOCKS);
        } catch (IOException | UnsupportedOperationException e) {
            return OptionalLong.empty();
        }
        // glibc's dev_t encoding: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31
        long major = ((device >>> 8) & 0xfff) | ((device >>> 32) & ~0xfffL);
        long minor = (device & 0xff) | ((device >>> 12) & ~0xffL);
        for (String line : table) {
            // "1: POSIX  ADVISORY  WRITE 1234 fe:00:2146660 0 EOF"; a blocked waiter's line has "->" after "N:"
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || f[1].equals("->")) {
                continue;
            }
            String[] id = f[5].split(":");
            if (id.length != 3) {
                continue;
            }
            try {
                if (HexFormat.fromHexDigitsToLong(id[0]) == major
                        && HexFormat.fromHexDigitsToLong(id[1]) == minor
                        && Long.parseLong(id[2]) == inode) {
                    return OptionalLong.of(Long.parseLong(f[4]));
                }
            } catch (IllegalArgumentException e) {
                // a line of another format: not ours
            }
        }
        return OptionalLong.empty();
    }
}
