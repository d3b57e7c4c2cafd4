package dev.jshrew.storage.rocksdb;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/** A forward scan over a key range of one column family, with RocksDB enforcing the bounds. */
final class RangeScan {
    /** Called once per entry; the iterator is positioned on it and valid only during the call. */
    @FunctionalInterface
    interface Visitor {
        void visit(RocksIterator entry) throws RocksDBException;
    }

    private RangeScan() {}

    /**
     * Visits every entry with {@code lower ≤ key < upper} in key order.
     *
     * @param upper exclusive upper bound, or {@code null} for the end of the column family
     */
    static void forEach(RocksDB db, ColumnFamilyHandle family, byte[] lower, byte[] upper, Visitor visitor)
            throws RocksDBException {
        try (Slice lowerSlice = new Slice(lower);
                Slice upperSlice = upper == null ? null : new Slice(upper);
                ReadOptions options = bounded(lowerSlice, upperSlice);
                RocksIterator it = db.newIterator(family, options)) {
            for (it.seek(lower); it.isValid(); it.next()) {
                visitor.visit(it);
            }
            // An iterator also stops being valid on an I/O error: status() tells the two apart.
            it.status();
        }
    }

    private static ReadOptions bounded(Slice lower, Slice upper) {
        ReadOptions options = new ReadOptions().setIterateLowerBound(lower);
        if (upper != null) {
            options.setIterateUpperBound(upper);
        }
        return options;
    }
}
