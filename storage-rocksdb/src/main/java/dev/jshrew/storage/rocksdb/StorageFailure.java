package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns RocksDB failures into {@link ErrorCode#STORAGE} exceptions that name the directory and the status. */
final class StorageFailure {
    private StorageFailure() {}

    /**
     * @param directory the store's directory
     * @param action what failed, e.g. {@code "commit block 12"}
     */
    static JshrewException of(Path directory, String action, RocksDBException cause) {
        Status status = cause.getStatus();
        String code;
        if (status == null) {
            code = "no status";
        } else if (status.getSubCode() == null || status.getSubCode() == Status.SubCode.None) {
            code = String.valueOf(status.getCode());
        } else {
            code = status.getCode() + "/" + status.getSubCode();
        }
        return new JshrewException(
                ErrorCode.STORAGE,
                "rocksdb store " + directory + ": " + action + " failed (status " + code + "): " + cause.getMessage(),
                cause);
    }
}
